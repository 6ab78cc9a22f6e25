// Names appear as they are sampled: characters queue up here and are typed out at a pace a
// person can follow (0 ms per character: as fast as they come).

export class Typewriter {
  constructor(list, pace) {
    this.list = list; // the <ol> of names
    this.pace = pace; // () => milliseconds per character
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.flushed = false;
    this.finish();
    this.list.replaceChildren();
  }

  // chars: generate's events (python.js): {sample, char, prob} for each character, and
  // {sample, name, log_prob, novel} at the end of name number `sample`.
  push(chars) {
    if (this.flushed) return; // stopped: what was still on its way is not shown
    this.queue.push(...chars);
    if (!this.timer) this.type();
  }

  // Stop typing: drop what is queued and leave the names as far as they got.
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.flushed = true;
    for (const item of this.list.children) item.classList.remove("typing");
    this.finish();
  }

  // A promise of the moment everything pushed so far has been typed out.
  done() {
    if (!this.queue.length && !this.timer) return Promise.resolve();
    return new Promise((resolve) => (this.onDone = resolve));
  }

  type() {
    this.timer = null;
    while (this.queue.length) {
      const typed = this.show(this.queue.shift());
      const pace = this.pace();
      if (typed && pace > 0) {
        this.timer = setTimeout(() => this.type(), pace);
        return;
      }
    }
    this.finish();
  }

  finish() {
    const onDone = this.onDone;
    this.onDone = null;
    onDone?.();
  }

  // Show one character, or the end of a name with its log-probability and whether it is
  // new (null: unknown); return whether a character was typed.
  show({ sample, char, prob, log_prob: logprob, novel }) {
    let item = this.list.children[sample];
    if (!item) {
      item = document.createElement("li");
      item.dataset.testid = "sample";
      item.className = "typing empty";
      this.list.append(item);
    }
    if (char === undefined) {
      item.classList.remove("typing");
      item.dataset.logprob = String(logprob);
      item.dataset.logprobShown = logprob.toFixed(2);
      if (novel !== null && novel !== undefined) item.dataset.novel = String(novel);
      item.tabIndex = 0; // focus shows the log-probability, as hover does
      item.title = `log p = ${logprob.toFixed(2)}${novel === false ? " · seen in training" : ""}`;
      return false;
    }
    const span = document.createElement("span");
    span.className = "c";
    span.textContent = char;
    span.title = `p = ${prob.toFixed(3)}`;
    span.style.borderBottomColor = `color-mix(in srgb, var(--accent) ${Math.round(prob * 100)}%, transparent)`;
    item.classList.remove("empty");
    item.append(span);
    return true;
  }
}
