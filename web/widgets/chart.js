// The live loss chart: every step's loss, faint; their moving average on top; and a dashed line
// at ln(vocabulary size), the loss of a uniform guess, so that learning shows as the curve
// falling below it. One name's loss is noisy: the average is what to read. Earlier runs can be
// drawn under it, each its moving average in its own colour, to compare.

export const WINDOW = 25; // steps in the moving average

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.baseline = null;
    this.others = []; // earlier runs: [{id, color, averages}]
    this.currentShown = true;
    this.reset(1);
    new ResizeObserver(() => this.requestDraw()).observe(canvas);
    // The colours come from CSS, which changes with the colour scheme: draw again in the new ones.
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.requestDraw());
    canvas.dataset.window = WINDOW; // (what the chart shows, for tools and tests)
  }

  reset(numSteps) {
    this.numSteps = numSteps;
    this.losses = [];
    this.averages = [];
    this.requestDraw();
  }

  // The loss of a model that gives every one of vocabSize tokens the same probability.
  setVocabulary(vocabSize) {
    this.baseline = Math.log(vocabSize);
    this.canvas.dataset.baseline = String(this.baseline);
    this.requestDraw();
  }

  add(losses) {
    this.averages.push(...movingAverage(losses, this.losses));
    this.losses.push(...losses);
    this.requestDraw();
  }

  // The runs to draw besides the current one ([{id, color, losses}]), and whether to draw it.
  setRuns(others, currentShown) {
    const known = new Map(this.others.map((run) => [run.id, run]));
    this.others = others.map((run) => known.get(run.id)?.losses === run.losses ? known.get(run.id)
      : { ...run, averages: movingAverage(run.losses) });
    this.currentShown = currentShown;
    this.canvas.dataset.runsShown = JSON.stringify([...others.map((run) => run.id), ...(currentShown ? ["current"] : [])]);
    this.requestDraw();
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const { canvas, baseline, others } = this;
    const losses = this.currentShown ? this.losses : [];
    const averages = this.currentShown ? this.averages : [];
    const scale = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const style = getComputedStyle(canvas);
    const pad = { left: 40, right: 8, top: 18, bottom: 30 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    // The y-axis spans the losses seen (and the uniform guess), not a fixed range from 0.
    const seen = [...losses, ...others.flatMap((run) => run.averages), ...(baseline === null ? [] : [baseline])];
    // (a loop, not Math.max(...seen): 8 runs of 20,000 steps are too many arguments)
    const top = seen.length ? seen.reduce((a, b) => Math.max(a, b)) : 3.5;
    const bottom = seen.length ? seen.reduce((a, b) => Math.min(a, b)) : 0;
    const span = Math.max(top - bottom, 0.5);
    const numSteps = Math.max(this.numSteps, ...others.map((run) => run.averages.length));
    const x = (i) => pad.left + (plotW * (i + 1)) / numSteps;
    const y = (loss) => pad.top + plotH * (1 - (loss - bottom) / span);

    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = style.getPropertyValue("--muted");
    ctx.strokeStyle = style.getPropertyValue("--grid");
    ctx.lineWidth = 1;
    for (const loss of [bottom, bottom + span / 2, bottom + span]) {
      ctx.beginPath();
      ctx.moveTo(pad.left, y(loss));
      ctx.lineTo(width - pad.right, y(loss));
      ctx.stroke();
      ctx.fillText(loss.toFixed(2), 4, y(loss) + 4);
    }
    ctx.fillText("loss", 4, 11);
    ctx.fillText("step 1", pad.left, height - 14);
    ctx.fillText(`step ${numSteps}`, width - pad.right - 60, height - 14);
    ctx.fillText(`faint: each step's loss · bold: the mean of the last ${WINDOW} steps`, pad.left, height - 2);

    if (baseline !== null) {
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = style.getPropertyValue("--muted");
      ctx.beginPath();
      ctx.moveTo(pad.left, y(baseline));
      ctx.lineTo(width - pad.right, y(baseline));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText(`uniform guess: ln ${Math.round(Math.exp(baseline))} = ${baseline.toFixed(2)}`,
                   width - pad.right - 170, y(baseline) - 4);
    }
    for (const run of others) this.line(ctx, run.averages, x, y, run.color, 1.5);
    this.line(ctx, losses, x, y, style.getPropertyValue("--faint"), 1);
    this.line(ctx, averages, x, y, style.getPropertyValue("--accent"), 2);
  }

  line(ctx, values, x, y, color, lineWidth) {
    if (!values.length) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    values.forEach((value, i) => (i ? ctx.lineTo(x(i), y(value)) : ctx.moveTo(x(i), y(value))));
    ctx.stroke();
  }
}

// The mean of the last WINDOW losses at each step; earlier: the losses before these, if any.
function movingAverage(losses, earlier = []) {
  const all = [...earlier.slice(-WINDOW), ...losses];
  const start = all.length - losses.length;
  return losses.map((_, i) => {
    const recent = all.slice(Math.max(0, start + i + 1 - WINDOW), start + i + 1);
    return recent.reduce((a, b) => a + b, 0) / recent.length;
  });
}
