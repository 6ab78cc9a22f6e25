// The generation loop as an SVG flowchart: a box per step of the loop (the steps Python finds in
// its source: sampler.STEPS), each keyboard-reachable, the step just run marked.
const SVG = "http://www.w3.org/2000/svg";

// The flowchart: each step of the loop as a box, [step, label, x, y, width].
const FLOW = [
  ["start", "start from BOS", 60, 10, 160],
  ["model", "the model: logits", 60, 70, 160],
  ["temperature", "÷ temperature", 60, 130, 160],
  ["softmax", "softmax: probabilities", 60, 190, 160],
  ["draw", "draw a token", 60, 250, 160],
  ["stop-check", "is it BOS?", 60, 310, 160],
  ["done", "done", 250, 310, 80],
  ["append", "append it, feed it in", 60, 380, 160],
];
const BOX_HEIGHT = 36;
// The arrows between them: [from the bottom of a box to the top of the next], then the two
// branches of the check and the way back to the model.
const ARROWS = ["M140,46 V70", "M140,106 V130", "M140,166 V190", "M140,226 V250", "M140,286 V310",
  "M220,328 H250", "M140,346 V380", "M60,398 H30 V88 H60"];
const ARROW_LABELS = [["yes", 226, 322], ["no", 146, 366]];

export class Flowchart {
  // svg: where to draw it; onPick(step) when a box is clicked (or Enter or Space on it).
  constructor(svg, onPick) {
    this.boxes = draw(svg, onPick);
  }

  // Mark the box of the step just run (aria-current) and the box picked.
  show(current, picked) {
    for (const [step, box] of Object.entries(this.boxes)) {
      if (step === current) box.setAttribute("aria-current", "step");
      else box.removeAttribute("aria-current");
      box.classList.toggle("picked", step === picked);
    }
  }
}

function draw(svg, onPick) {
  const defs = element("defs");
  const marker = element("marker", { id: "flow-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6,
                                     markerHeight: 6, orient: "auto-start-reverse" });
  marker.append(element("path", { d: "M0,0 L10,5 L0,10 z", class: "flow-arrowhead" }));
  defs.append(marker);
  svg.append(defs);
  for (const d of ARROWS) svg.append(element("path", { d, class: "flow-arrow", "marker-end": "url(#flow-arrow)" }));
  for (const [text, x, y] of ARROW_LABELS) svg.append(element("text", { x, y, class: "flow-label" }, text));
  const boxes = {};
  for (const [step, label, x, y, width] of FLOW) {
    const box = element("g", { "data-testid": "flow-step", "data-step": step, tabindex: 0, role: "button",
                               "aria-label": `${label}: light its line of code`, class: "flow-step" });
    box.append(element("rect", { x, y, width, height: BOX_HEIGHT, rx: step === "stop-check" ? 18 : 6 }),
               element("text", { x: x + width / 2, y: y + BOX_HEIGHT / 2 + 5 }, label));
    const pick = () => onPick(step);
    box.addEventListener("click", pick);
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      pick();
    });
    svg.append(box);
    boxes[step] = box;
  }
  return boxes;
}

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}
