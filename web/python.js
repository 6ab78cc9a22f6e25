// The page's handle on the Python worker (worker.mjs), and the protocol between them: the one
// place it is written down.
//
// One request, one id, one reply (as in Pyodide's worker docs). The page sends
//   {id, method, args}
// and the worker answers that id with any number of events, then exactly one final reply:
//   {id, event}                         news while the request runs (see below)
//   {id, result}                        done; result is plain data
//   {id, error: {message, fatal}}       fatal false: bad input, the page carries on;
//                                       fatal true: Python broke, the worker must be restarted
//
// Methods, their args → their result, and [their events]:
//   load {}                             → {dataset: {docs, vocab_size, chars, num_params}}
//                                         [{type: "status", text}: what loading does now]
//   describe {n_embd, n_head, n_layer, block_size}
//                                       → {docs, vocab_size, chars, num_params}
//   train {steps, seed, engine, n_embd, n_head, n_layer, block_size}
//                                       → {step, num_steps, stopped}
//                                         [{type: "started", num_steps, num_params},
//                                          {type: "progress", step, num_steps, losses}: the new
//                                          losses, after each chunk of steps (~50 ms)]
//   generate {samples, temperature, seed}
//                                       → {seconds (of compute), stopped}
//                                         [{type: "chars", chars: [[sample, char, prob], ...]}:
//                                          the characters drawn in one chunk; char undefined
//                                          ends name number `sample`]
//                                         seed null: continue the run's own random stream
//   save {}                             → {checkpoint}: the run as checkpoint JSON
//   open {checkpoint, engine}           → {step, num_steps, can_train}
//   stop {}                             → null, at once: the running train or generate ends
//                                         between two chunks (within ~50 ms with the fast
//                                         engine, one step with the reference engine)
//
// Requests run one at a time, in order, once `load` is done; `stop` is answered at once.
// Training and sampling run in chunks, and between chunks the worker yields to its event
// loop, so a stop gets through without SharedArrayBuffer (which GitHub Pages can't enable).

// A pending request that has sent no word for this long means Python is stuck. Loading
// downloads ~14 MB and sends no news meanwhile; the reference engine's largest model takes
// ~15 s a step.
export const STALL_MS = { load: 180_000, other: 120_000 };

// A request that failed: error.fatal tells whether the worker is gone.
export class PythonError extends Error {
  constructor(message, fatal) {
    super(message);
    this.fatal = fatal;
  }
}

export class PythonClient {
  // createWorker() → a Worker; onFailure(text) when the worker dies or stops answering.
  constructor({ createWorker, onFailure, stallMs = STALL_MS, checkEveryMs = 1000 }) {
    Object.assign(this, { createWorker, onFailure, stallMs, checkEveryMs });
    this.nextId = 1;
    this.start();
  }

  start() {
    this.pending = new Map(); // id → {method, resolve, reject, onEvent, heardAt}
    this.worker = this.createWorker();
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => this.fail(`The Python worker crashed: ${event.message || "unknown error"}`);
    this.watchdog = setInterval(() => this.checkStall(), this.checkEveryMs);
  }

  restart() {
    this.shutDown("restarted");
    this.start();
  }

  // Send a request; resolve with its result, or reject with a PythonError.
  request(method, args = {}, onEvent = () => {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject, onEvent, heardAt: performance.now() });
      this.worker.postMessage({ id, method, args });
    });
  }

  receive({ id, event, result, error }) {
    const request = this.pending.get(id);
    if (!request) return; // a request of a worker that was restarted since
    request.heardAt = performance.now();
    if (event) return request.onEvent(event);
    this.pending.delete(id);
    if (error) request.reject(new PythonError(error.message, error.fatal));
    else request.resolve(result);
    if (error?.fatal) this.fail(error.message);
  }

  checkStall() {
    const now = performance.now();
    for (const { method, heardAt } of this.pending.values()) {
      if (now - heardAt > (this.stallMs[method] ?? this.stallMs.other)) {
        return this.fail("Python has stopped responding.");
      }
    }
  }

  fail(text) {
    this.shutDown(text);
    this.onFailure(text);
  }

  // End the worker; every request still pending fails.
  shutDown(why) {
    clearInterval(this.watchdog);
    this.worker.terminate();
    for (const { reject } of this.pending.values()) reject(new PythonError(why, true));
    this.pending.clear();
  }
}
