// The generation loop's source (sampler.sample(), as Python read it at run time), a line per
// element, with the lines of the turn just run lit. Look inside and the lesson both show it here,
// so they light the same lines for the same turn.

// The steps a turn ran, in order (found by Python in the code's syntax tree: source.steps maps
// each step to its line), the last of them current. A turn runs the loop's body and takes one
// branch: "done" when BOS is drawn, else "append". Before the first turn, only the start ran.
export function stepsRun(source, turn) {
  if (!turn) return ["start"];
  const skipped = turn.token === "BOS" ? "append" : "done";
  return Object.keys(source.steps).filter((step) => step !== "start" && step !== skipped)
    .sort((a, b) => source.steps[a] - source.steps[b]);
}

export class LoopCode {
  constructor(pre) {
    this.pre = pre;
    this.source = null;
  }

  show(source) {
    if (source === this.source) return;
    this.source = source;
    this.lines = source.lines.map((text, i) => {
      const line = document.createElement("span");
      line.className = "line";
      line.dataset.line = source.first_line + i;
      line.textContent = `${text}\n`;
      return line;
    });
    this.pre.replaceChildren(...this.lines);
  }

  clear() {
    this.source = null;
    this.pre.replaceChildren();
  }

  // Light the lines this turn ran, the last of them current.
  highlight(turn) {
    if (!this.source) return;
    const ran = stepsRun(this.source, turn);
    for (const line of this.lines) line.classList.remove("ran", "current");
    for (const step of ran) this.lines[this.source.steps[step]]?.classList.add("ran");
    this.lines[this.source.steps[ran.at(-1)]]?.classList.add("current");
  }

  // Mark the line of one step (null: none), as the flowchart's boxes ask.
  pick(step) {
    if (!this.source) return;
    for (const line of this.lines) line.classList.remove("picked");
    const line = this.lines[this.source.steps[step]];
    line?.classList.add("picked");
    if (step !== this.picked) line?.scrollIntoView({ block: "nearest" }); // (only when picked, not at each redraw)
    this.picked = step;
  }
}
