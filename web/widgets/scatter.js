// Labelled points on a plane, in SVG: the embeddings' 2-D projection. A point is a <g> that
// carries what it shows (data-x, data-y: the coordinates as Python computed them), and moves
// smoothly from frame to frame (CSS transitions its transform).

const SVG = "http://www.w3.org/2000/svg";
const SIZE = 240, PAD = 16;

export class Scatter {
  // svg: the element to draw in; point(i, label) → {testid, data: {...}, kind}: what a point is.
  constructor(svg, point) {
    Object.assign(this, { svg, point });
    svg.setAttribute("viewBox", `0 0 ${SIZE} ${SIZE}`);
    this.groups = [];
  }

  draw(points, labels) {
    // One scale for both axes, so distances on the plane mean the same either way.
    const extent = Math.max(1e-12, ...points.flat().map(Math.abs));
    const at = (v) => SIZE / 2 + ((SIZE / 2 - PAD) * v) / extent;
    while (this.groups.length > points.length) this.groups.pop().remove();
    points.forEach(([x, y], i) => {
      const g = this.groups[i] ?? this.add();
      const { testid, data, kind } = this.point(i, labels[i]);
      g.dataset.testid = testid;
      Object.assign(g.dataset, data, { x: String(x), y: String(y) });
      g.setAttribute("class", `point ${kind}`);
      g.style.transform = `translate(${at(x).toFixed(1)}px, ${at(-y).toFixed(1)}px)`;
      g.lastChild.textContent = labels[i];
    });
  }

  add() {
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("tabindex", "0");
    const dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("r", "3");
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", "5");
    text.setAttribute("y", "4");
    g.append(dot, text);
    this.svg.append(g);
    this.groups.push(g);
    return g;
  }
}
