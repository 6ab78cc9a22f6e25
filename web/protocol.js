// The message protocol between the page (main.js) and the Python worker (worker.mjs).
// It is the only way the two talk; every message is a plain object with a `type`.
//
// Page → worker
//   {type: "describe", settings}        size of the model these settings would make
//   {type: "train", settings}           start a new run: {steps, seed, n_embd, n_head,
//                                       n_layer, block_size, engine}
//   {type: "stop"}                      end the run or the sampling between two steps: within
//                                       ~50 ms with the fast engine, one step with the reference
//   {type: "generate", settings}        sample names: {samples, temperature, seed}
//   {type: "save"}                      the trained run as checkpoint JSON (kept by the page)
//   {type: "restore", checkpoint, engine}  carry on from a saved run (after a restart)
//
// Worker → page
//   {type: "status", text}              what loading is doing now ("Loading Python…")
//   {type: "ready", dataset}            loaded; dataset = {docs, vocab_size, chars, num_params}
//   {type: "described", dataset}        answer to describe
//   {type: "trainStart", num_steps, num_params, engine}
//   {type: "progress", step, num_steps, losses}
//                                       after each chunk of steps (~50 ms): the new losses
//   {type: "trainEnd", step, num_steps, stopped}
//   {type: "char", sample, char, prob}  one sampled character of name number `sample`
//   {type: "nameEnd", sample}           name number `sample` is complete
//   {type: "generateEnd", seconds, stopped}  all names are out; seconds of compute
//   {type: "saved", checkpoint}         answer to save: a JSON string
//   {type: "restored", step, num_steps, engine}
//   {type: "error", message, fatal, request}  bad input (fatal false: the page carries on;
//                                       request is the type of message that failed) or a
//                                       crash (fatal true: the worker must be restarted)
//
// Training and sampling run in chunks; between chunks the worker yields to its event loop,
// so a "stop" gets through without SharedArrayBuffer (which GitHub Pages can't enable).

// No word from a busy worker for this long means it is stuck. Loading gets longer: it
// downloads ~14 MB, and a slow connection sends no news meanwhile.
// And the reference engine's largest model takes ~15 s a step, with no news meanwhile.
const STALL_MS = { loading: 180000, loaded: 120000 };

// The page's handle on the worker: sends messages, dispatches replies by type, and notices
// a worker that crashed or went silent, so the page can say so and start a fresh one.
export class PythonWorker {
  constructor(handlers) {
    this.handlers = handlers; // {type: fn(message)}, plus onFailure(text)
    this.start();
  }

  start() {
    this.worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => this.fail(`The Python worker crashed: ${event.message || "unknown error"}`);
    this.busySince = performance.now();
    this.loaded = false;
    this.watchdog = setInterval(() => this.checkStall(), 1000);
  }

  restart() {
    this.stop();
    this.start();
  }

  stop() {
    clearInterval(this.watchdog);
    this.worker.terminate();
  }

  send(message) {
    if (message.type !== "stop") this.busySince = performance.now(); // stop gets no answer
    this.worker.postMessage(message);
  }

  receive(message) {
    if (message.type === "ready") this.loaded = true;
    const busy = !["ready", "trainEnd", "generateEnd", "described", "saved", "restored", "error"]
      .includes(message.type);
    this.busySince = busy ? performance.now() : null;
    if (message.type === "error" && message.fatal) return this.fail(message.message);
    this.handlers[message.type]?.(message);
  }

  checkStall() {
    const limit = this.loaded ? STALL_MS.loaded : STALL_MS.loading;
    if (this.busySince !== null && performance.now() - this.busySince > limit) {
      this.fail("Python has stopped responding.");
    }
  }

  fail(text) {
    this.stop();
    this.handlers.onFailure(text);
  }
}
