// A small line over the steps, in SVG: a polyline scaled into a fixed box, with an optional
// dashed reference level.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 160, HEIGHT = 36;

export function sparkline({ steps, values, low, high, reference, className }) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("class", `sparkline ${className}`);
  const first = steps[0], last = Math.max(steps.at(-1), first + 1);
  const x = (step) => ((step - first) / (last - first)) * WIDTH;
  const y = (value) => HEIGHT - 2 - ((Math.min(high, Math.max(low, value)) - low) / (high - low)) * (HEIGHT - 4);
  if (reference !== undefined) {
    const line = document.createElementNS(SVG, "line");
    line.setAttribute("class", "reference");
    line.setAttribute("x1", "0");
    line.setAttribute("x2", String(WIDTH));
    line.setAttribute("y1", y(reference).toFixed(1));
    line.setAttribute("y2", y(reference).toFixed(1));
    svg.append(line);
  }
  const polyline = document.createElementNS(SVG, "polyline");
  polyline.setAttribute("points", steps.map((step, i) => `${x(step).toFixed(1)},${y(values[i]).toFixed(1)}`).join(" "));
  svg.append(polyline);
  return svg;
}
