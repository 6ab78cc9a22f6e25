// The live loss chart: every step's loss, faint, and a smoothed curve on top, on a canvas.

const SMOOTHING = 0.95; // exponential moving average: one name's loss is noisy

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.reset(1);
    new ResizeObserver(() => this.requestDraw()).observe(canvas);
    // The colours come from CSS, which changes with the colour scheme: draw again in the new ones.
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.requestDraw());
  }

  reset(numSteps) {
    this.numSteps = numSteps;
    this.losses = [];
    this.smoothed = [];
    this.requestDraw();
  }

  add(losses) {
    for (const loss of losses) {
      const previous = this.smoothed.at(-1) ?? loss;
      this.losses.push(loss);
      this.smoothed.push(SMOOTHING * previous + (1 - SMOOTHING) * loss);
    }
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
    const { canvas } = this;
    const scale = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const style = getComputedStyle(canvas);
    const pad = { left: 36, right: 8, top: 8, bottom: 18 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    const top = Math.max(3.5, ...this.losses.slice(0, 50)); // the start sets the scale
    const x = (i) => pad.left + (plotW * (i + 1)) / this.numSteps;
    const y = (loss) => pad.top + plotH * (1 - Math.min(loss, top) / top);

    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = style.getPropertyValue("--muted");
    ctx.strokeStyle = style.getPropertyValue("--grid");
    ctx.lineWidth = 1;
    for (let loss = 0; loss <= top; loss += 1) {
      ctx.beginPath();
      ctx.moveTo(pad.left, y(loss));
      ctx.lineTo(width - pad.right, y(loss));
      ctx.stroke();
      ctx.fillText(loss.toFixed(0), 8, y(loss) + 4);
    }
    ctx.fillText("loss", 8, pad.top + 10);
    ctx.fillText(`step ${this.numSteps}`, width - pad.right - 60, height - 4);

    this.line(ctx, this.losses, x, y, style.getPropertyValue("--faint"), 1);
    this.line(ctx, this.smoothed, x, y, style.getPropertyValue("--accent"), 2);
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
