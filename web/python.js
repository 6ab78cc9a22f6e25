// The page's handle on the Python worker (worker.mjs), and the protocol between them: the one
// place it is written down.
//
// One request, one id, one reply (as in Pyodide's worker docs). The page sends
//   {id, method, args}
// and the worker answers that id at once with an acknowledgement, then with any number of
// events, then exactly one final reply:
//   {id, accepted: true}                the request has reached the worker
//   {id, event}                         news while the request runs (see below)
//   {id, result}                        done; result is plain data
//   {id, error: {message, details, fatal}}
//                                       fatal false: bad input, the page carries on;
//                                       fatal true: Python broke, the worker must be restarted
//                                       (message: a sentence or two; details: the technical part)
//
// Methods, their args → their result, and [their events]:
//   load {interrupt}                    → {datasets: the built-in datasets' names, phases (when
//                                          each ended, ms on the wall clock), how ({snapshot:
//                                          restored from it, link: MB/s measured}),
//                                          interruptible}; interrupt: an Int32Array on a
//                                          SharedArrayBuffer (where the page is cross-origin
//                                          isolated), Pyodide's interrupt buffer, or null
//                                         [{type: "status", text}: what loading does now,
//                                          {type: "download", loaded, total}: bytes so far]
//   use_dataset {name} | {text} | {bytes}
//                                       → the report on it (see dataset.read_dataset): a
//                                         built-in dataset by name, pasted text or a file's
//                                         bytes (Uint8Array); refused: the old one stays
//   warm_up {n_embd, n_head, n_layer, block_size}
//                                       → null: the fast engine's kernels compiled for this shape,
//                                         a step at a time; it gives way to any request that comes
//   describe {n_embd, n_head, n_layer, block_size}
//                                       → {docs, vocab_size, chars, num_params}
//   train {steps, seed, engine, n_embd, n_head, n_layer, block_size}
//                                       → {step, num_steps, stopped, began (false: stopped before
//                                          it began, the model there was kept)}
//                                         [{type: "started", num_steps, num_params},
//                                          {type: "progress", step, num_steps, losses}: the new
//                                          losses, after each chunk of steps (50–200 ms),
//                                          {type: "views", ...views' result}: at the start, at
//                                          most every 250 ms, and at the end]
//   generate {samples, temperature, seed, prefix, sampling, top_k, top_p}
//                                       → {seconds (of compute), stopped}
//                                         [{type: "chars", chars: [...]}: what one chunk drew,
//                                          {sample, char, prob} per character and
//                                          {sample, name, log_prob, novel} at the end of name
//                                          number `sample` (novel: not a training document;
//                                          null when the run's dataset isn't here)]
//                                         seed null: continue the run's own random stream;
//                                         sampling: temperature, greedy, top-k (top_k) or
//                                         top-p (top_p), as sampler.filtered; prob and
//                                         log_prob under the distribution drawn from
//   inspect_start {temperature, seed, prefix, sampling, top_k, top_p}
//                                       → {source: {lines, first_line, steps: {step: line}},
//                                          tokens, n_layer,
//                                          n_head, block_size}: one name, a turn at a time,
//                                          in that sampling mode
//   inspect_step {}                     → the next turn, or null once the name is done:
//                                          {pos, name, input, token, token_id, prob, forced,
//                                          logits, probs, attention [layer][head][pos], kv, done}:
//                                          probs what the token was drawn from (0: not kept)
//   inspect_temperature {temperature}   → {probs}: the current turn's, at this temperature
//                                          (in the same sampling mode)
//   inspect_branch {token_id}           → the current turn with token_id forced
//   train_more {}                       → as train: the run goes on where it stopped
//   save {}                             → {checkpoint}: the run as checkpoint JSON
//   views {latest}                      → {frames, health, matrices, kept, every,
//                                          snapshot_bytes, snapshot_limit}: the training views'
//                                          news since they were last sent (py/microgpt/watcher.py):
//                                          frames [{step, tokens, wte: {points, explained}, wpe,
//                                          and a few times a second: probe, probe_tokens,
//                                          attention [layer][head][i][j], vectors (wte's rows)}], health
//                                          [[step, ratios, norms]] by matrix, the kept steps and
//                                          the snapshots' bytes and bound; latest: with a
//                                          frame of the current step if none shows it yet
//   watch {probe, shown}                → the frame of the step shown (null before a model):
//                                          the probe word, whether the views are shown (either
//                                          may be left out). Answered at once, even in training
//   travel {step}                       → {frame, names}: the model at a kept step, and names
//                                          sampled from it with a fixed seed
//   open {checkpoint, engine}           → {step, num_steps, can_train, settings}: a run from
//                                         checkpoint JSON; can_train: the dataset is its own
//   open_built {}                       → as open, and {checkpoint, losses}: the default run,
//                                          trained at build time (the manifest's model)
//   lab_preset {name}                   → the source of a preset edit of the loop ("original": the
//                                          loop itself; py/microgpt/lab.py)
//   lab_run {source, samples, temperature, seed}
//                                       → {stopped} [{type: "lab", events: [...]}: {sample, char}
//                                          per character, {sample, name, original} per name (the
//                                          original loop's name from the same draws), {output}:
//                                          what print() wrote, {error: {message, trace, line}}
//                                          last if the edit failed]. A loop that never gives
//                                          way is stopped by ending the worker (actions/lab.js)
//   lab_script {source, samples, temperature, seed}
//                                       → the edit, the model's code and its weights as one .py
//                                          file that prints the same names with plain python3
//   lesson {}                           → the lesson's numbers (py/microgpt/lesson.py): the model's
//                                          {num_params, steps_trained, num_steps, engine, n_embd,
//                                          head_dim, tokens}, and once Look inside steps a name:
//                                          turns [{pos, input, output, bos_prob, forced}], kv
//                                          [{layer, pos, kind, values}], scores and attention
//                                          [layer][head][pos], costs [{pos, with, without,
//                                          same_logits}], temperatures [{temperature, probs,
//                                          entropy}], choices [{sampling, top_k, top_p, probs}]
//   lesson_run_on {temperature, seed}   → {name, turns [{pos, token, bos_prob}]}: the loop with
//                                          BOS never drawn (the name fills the block)
//   lesson_gradient_cost {doc}          → {engine, doc, forward_ms, backward_ms, graph_nodes
//                                          (the reference engine's)}: timed in the worker
//   stop {}                             → null, at once: the running train or generate ends
//                                         between two chunks (within ~50 ms with the fast
//                                         engine, one step with the reference engine)
//
// Requests run one at a time, in order, once `load` is done; `stop` and `watch` are answered
// at once.
// Training and sampling run in chunks, and between chunks the worker yields to its event
// loop, so a stop gets through without SharedArrayBuffer (which GitHub Pages can't enable).

// How long the client waits before it decides the worker is gone (the page can set other
// limits in globalThis.MICROGPT_LIMITS_MS, as the tests do):
// - silence: a pending request that has sent no word for this long means Python is stuck.
//   Loading reports every download's progress but is silent while Python starts (seconds);
//   the reference engine's largest model takes ~15 s a step.
// - ack: a request sent to an idle worker is acknowledged at once by a living one; one sent
//   while another runs may wait for the running chunk (a reference step) to end.
export const LIMITS_MS = { load: 60_000, other: 120_000, ack: 3_000, loadAck: 30_000 };

// A request that failed: error.fatal tells whether the worker is gone.
export class PythonError extends Error {
  constructor(message, fatal, details = "") {
    super(message);
    this.fatal = fatal;
    this.details = details;
  }
}

export class PythonClient {
  // createWorker() → a Worker. onFailure({message, details, silent}) when the worker dies or
  // stops answering; silent: it never sent a word (its script may not have loaded).
  constructor({ createWorker, onFailure, limitsMs = LIMITS_MS, checkEveryMs = 500 }) {
    Object.assign(this, { createWorker, onFailure, limitsMs, checkEveryMs });
    this.nextId = 1;
    this.start();
  }

  start() {
    this.dead = null; // why the worker is gone, once it is
    this.pending = new Map(); // id → {method, resolve, reject, onEvent, heardAt, ackBy}
    this.heard = false; // any word from this worker yet
    this.worker = this.createWorker();
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault?.(); // reported here, not as an uncaught error
      this.fail({ message: "The Python worker crashed.", details: event.message || "" });
    };
    this.watchdog = setInterval(() => this.checkStall(), this.checkEveryMs);
    // (a worker started early, by index.html, may have failed before these handlers were here)
    if ("failedEarly" in this.worker) this.fail({ message: "The Python worker crashed.", details: this.worker.failedEarly });
  }

  restart() {
    this.shutDown("restarted");
    this.start();
  }

  // Send a request; resolve with its result, or reject with a PythonError.
  request(method, args = {}, onEvent = () => {}) {
    if (this.dead) return Promise.reject(new PythonError(this.dead, true));
    const id = this.nextId++;
    const now = performance.now();
    const limits = { ...this.limitsMs, ...globalThis.MICROGPT_LIMITS_MS };
    // Only a request to an idle worker can expect its acknowledgement at once.
    const ackBy = this.pending.size ? null : now + (method === "load" ? limits.loadAck : limits.ack);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject, onEvent, heardAt: now, ackBy });
      this.worker.postMessage({ id, method, args });
    });
  }

  receive({ id, accepted, event, result, error }) {
    this.heard = true;
    const request = this.pending.get(id);
    if (!request) return; // a request of a worker that was restarted since
    request.heardAt = performance.now();
    request.ackBy = null;
    if (accepted) return;
    if (event) return request.onEvent(event);
    this.pending.delete(id);
    if (error) request.reject(new PythonError(error.message, error.fatal, error.details));
    else request.resolve(result);
    if (error?.fatal) this.fail(error);
  }

  checkStall() {
    const now = performance.now();
    const limits = { ...this.limitsMs, ...globalThis.MICROGPT_LIMITS_MS };
    for (const { method, heardAt, ackBy } of this.pending.values()) {
      if (ackBy !== null && now > ackBy) {
        return this.fail({ message: "The Python worker has stopped: it no longer answers." });
      }
      if (now - heardAt > (method === "load" ? limits.load : limits.other)) {
        return this.fail({ message: "Python has stopped responding." });
      }
    }
  }

  fail({ message, details = "" }) {
    const silent = !this.heard;
    this.shutDown(message);
    this.onFailure({ message, details, silent });
  }

  // End the worker; every request still pending fails.
  shutDown(why) {
    this.dead = why;
    clearInterval(this.watchdog);
    this.worker.terminate();
    for (const { reject } of this.pending.values()) reject(new PythonError(why, true));
    this.pending.clear();
  }
}
