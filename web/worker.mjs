// The Python worker: loads Pyodide and the microgpt package (boot.mjs), and runs a
// microgpt Session for the page. Its requests and replies are documented in python.js.
// Settings reach Python only as call arguments, never as Python source.
import { boot } from "./boot.mjs";
import { DownloadError } from "./downloads.js";

// Python computes in chunks, and between two the worker looks at its inbox, to hear a Stop. That
// look costs what the engine makes it cost: ~0.1 ms in Chromium and Firefox, ~9 ms in WebKit,
// whose message ports wait on the page's busy thread. So a chunk lasts long enough for the looks
// to take at most LOOK_SHARE of the time, and at most MAX_CHUNK_SECONDS: a stop still lands fast.
const MIN_CHUNK_SECONDS = 0.05;
const MAX_CHUNK_SECONDS = 0.2;
const LOOK_SHARE = 0.05;
const VIEWS_EVERY_MS = 250; // the training views are sent at most this often

const base = new URL("./", self.location.href);
let session, take, manifest, interruptBuffer;

// Python starts loading the moment the worker starts (the page starts it before its own modules
// arrive), and `load` waits for it. Its news waits for `load` too: a message posted before the
// page listens would be lost.
const loadNews = { emit: null, held: [] };
const booting = boot(base, (event) => (loadNews.emit ? loadNews.emit(event) : loadNews.held.push(event)));
booting.catch(() => {}); // (load's to report)
let stopRequested = false;
let chunkSeconds = MIN_CHUNK_SECONDS; // (set by each look at the inbox)
const inbox = [];
const RUNS = ["train", "train_more", "generate", "lab_run"]; // the requests a Stop ends
let working = false;

self.onmessage = ({ data: request }) => {
  reply(request.id, { accepted: true });
  if (request.method === "stop") {
    stopRequested = true;
    return reply(request.id, { result: null });
  }
  if (request.method === "watch") return answerAtOnce(request);
  // A run's stop flag is cleared when the run is asked for, not when it starts: a Stop that comes
  // while it waits its turn (behind a warm-up) stops it too.
  if (RUNS.includes(request.method)) stopRequested = false;
  inbox.push(request);
  if (!working) drain();
};

const reply = (id, message) => self.postMessage({ id, ...message });

// `watch` is answered at once, even while a run trains: this handler only runs between two
// chunks of training, when Python is not running.
function answerAtOnce({ id, args }) {
  try {
    reply(id, { result: session ? call(session.watch, args) : null });
  } catch (error) {
    reply(id, { error: describeError(error) });
  }
}

async function drain() {
  working = true;
  while (inbox.length && (session || inbox[0].method === "load")) {
    const { id, method, args } = inbox.shift();
    if (interruptBuffer) interruptBuffer[0] = 0; // (a stop that came after its run ended is no news)
    try {
      reply(id, { result: await methods[method](args, (event) => reply(id, { event })) });
    } catch (error) {
      reply(id, { error: describeError(error) });
    }
  }
  working = false;
}

const methods = {
  // Python and our package (boot.mjs), and a Session; with an interrupt buffer, where the page
  // can share one, for the lab's Stop.
  async load({ interrupt }, emit) {
    let pyodide, phases, how;
    loadNews.emit = emit;
    loadNews.held.splice(0).forEach(emit);
    ({ pyodide, manifest, phases, how } = await booting);
    const sessionModule = pyodide.pyimport("microgpt.session");
    take = sessionModule.take;
    session = sessionModule.Session();
    if (interrupt) {
      interruptBuffer = interrupt;
      pyodide.setInterruptBuffer(interrupt); // (2, SIGINT, raises KeyboardInterrupt within ~50 bytecodes)
    }
    return { datasets: Object.keys(manifest.datasets), phases, how, interruptible: Boolean(interrupt) };
  },

  describe: (settings) => call(session.describe, settings),

  // A step of a throwaway run at a time, until it is done or any other request comes in (a
  // large model's warm-up takes many seconds: Train, or Stop, must not wait for it).
  async warm_up(shape) {
    const steps = session.warm_up.callKwargs(shape);
    try {
      while (!inbox.length && call(take, { events: steps, seconds: chunkSeconds }).length) await lookAtInbox();
    } catch (error) {
      if (error?.type !== "KeyboardInterrupt") throw error; // (a lab Stop meant for the run behind it)
    } finally {
      steps.destroy();
    }
    return null;
  },

  async train({ steps, seed, engine, n_embd, n_head, n_layer, block_size }, emit) {
    // Stopped while it waited its turn (behind a warm-up): the model there was is left as it is.
    if (stopRequested) return { step: 0, num_steps: steps, stopped: true, began: false };
    const run = call(session.start_training, { steps, seed, engine, n_embd, n_head, n_layer, block_size });
    emit({ type: "started", ...run });
    return trainInChunks(emit);
  },

  async train_more(_, emit) {
    return trainInChunks(emit);
  },

  async use_dataset({ name, text, bytes }) {
    let data = text ?? bytes;
    if (name !== undefined) {
      try {
        data = new Uint8Array(await (await fetch(new URL(manifest.datasets[name], base))).arrayBuffer());
      } catch (error) {
        throw new BadInput(`it could not be downloaded (${error.message})`);
      }
    }
    return call(session.use_dataset, { data });
  },

  async generate({ samples, temperature, seed, prefix, sampling, top_k, top_p }, emit) {
    const events = session.generate.callKwargs(withSeed({ samples, temperature, prefix, sampling, top_k, top_p }, seed));
    let computing = 0;
    try {
      while (!stopRequested) {
        const start = performance.now();
        const chars = call(take, { events, seconds: chunkSeconds });
        computing += performance.now() - start;
        if (!chars.length) break;
        emit({ type: "chars", chars });
        await lookAtInbox();
      }
    } finally {
      events.destroy();
    }
    return { seconds: computing / 1000, stopped: stopRequested };
  },

  save: () => ({ checkpoint: session.save() }),

  views: () => call(session.views, {}),
  travel: ({ step }) => call(session.travel, { step }),

  inspect_start: ({ temperature, seed, prefix, sampling, top_k, top_p }) =>
    call(session.inspect_start, withSeed({ temperature, prefix, sampling, top_k, top_p }, seed)),
  inspect_step: () => call(session.inspect_step, {}),
  inspect_temperature: ({ temperature }) => call(session.inspect_temperature, { temperature }),
  inspect_branch: ({ token_id }) => call(session.inspect_branch, { token_id }),

  open: ({ checkpoint, engine }) => call(session.open, { text: checkpoint, engine }),

  lab_preset: ({ name }) => call(session.lab_preset, { name }),
  lab_script: ({ source, samples, temperature, seed }) => call(session.lab_script, { source, samples, temperature, seed }),

  // The edited loop, a chunk of events at a time (as generate), until it ends or is stopped.
  async lab_run({ source, samples, temperature, seed }, emit) {
    const events = session.lab_run.callKwargs(withSeed({ source, samples, temperature }, seed));
    try {
      while (!stopRequested) {
        let chunk;
        try {
          chunk = call(take, { events, seconds: chunkSeconds });
        } catch (error) {
          if (error?.type !== "KeyboardInterrupt") throw error;
          return { stopped: true }; // (interrupted outside the edit: the run is over all the same)
        }
        if (!chunk.length) break;
        emit({ type: "lab", events: chunk });
        await lookAtInbox();
      }
    } finally {
      events.destroy();
    }
    return { stopped: stopRequested };
  },

  lesson: () => call(session.lesson, {}),
  lesson_run_on: ({ temperature, seed }) => call(session.lesson_run_on, { temperature, seed }),
  lesson_gradient_cost: ({ doc }) => call(session.lesson_gradient_cost, { doc }),

  // The default run, trained at build time (tools/train_default.mjs): opened, with its losses.
  async open_built() {
    const [checkpoint, losses] = await Promise.all([
      fetchText(manifest.model.checkpoint), fetchText(manifest.model.losses).then(JSON.parse)]);
    return { checkpoint, losses, ...call(session.open, { text: checkpoint, engine: "fast" }) };
  },
};

// Train the run on, a chunk at a time, until it is done or stopped; the views go along a few
// times a second.
async function trainInChunks(emit) {
  let progress, viewsSent = performance.now();
  const sendViews = (latest = false) => {
    emit({ type: "views", ...call(session.views, { latest }) });
    viewsSent = performance.now();
  };
  progress = call(session.progress, {});
  if (stopRequested) return { ...progress, stopped: true }; // (a Stop came before it began)
  sendViews(); // (the run's first frame)
  while (progress.step < progress.num_steps && !stopRequested) {
    progress = call(session.train, { seconds: chunkSeconds });
    emit({ type: "progress", ...progress });
    if (performance.now() - viewsSent >= VIEWS_EVERY_MS) sendViews();
    await lookAtInbox();
  }
  sendViews(true); // (with a frame of the step it stopped at)
  return { step: progress.step, num_steps: progress.num_steps, stopped: stopRequested };
}

async function fetchText(path) {
  const response = await fetch(new URL(path, base)); // (downloading since Python started: boot.mjs)
  if (!response.ok) throw new BadInput(`${path.split("?")[0]} could not be downloaded (HTTP ${response.status})`);
  return response.text();
}

// No seed: leave it out, for Python's default (None): the run's own random stream.
const withSeed = (kwargs, seed) => (seed === null || seed === undefined ? kwargs : { ...kwargs, seed });

// Call a Python method with keyword arguments and bring the answer back as plain JS
// (None becomes null, tuples and lists become arrays, dicts become objects).
function call(method, kwargs) {
  const result = method.callKwargs(kwargs);
  if (result?.toJs === undefined) return result ?? null;
  try {
    return result.toJs({ dict_converter: Object.fromEntries });
  } finally {
    result.destroy();
  }
}

// A zero-delay break that lets queued messages (a stop) in, timed. setTimeout(0) would be
// clamped to 4 ms once nested; a MessageChannel round trip is not.
async function lookAtInbox() {
  const start = performance.now();
  await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
  const seconds = (performance.now() - start) / 1000;
  chunkSeconds = Math.min(MAX_CHUNK_SECONDS, Math.max(MIN_CHUNK_SECONDS, seconds / LOOK_SHARE));
}

// Something the page asked for that can't be done here and now (not a crash).
class BadInput extends Error {}

// A MicrogptError is the user's bad input: say it and carry on. Anything else is a crash.
function describeError(error) {
  if (error?.type === "MicrogptError") return { message: lastLine(error.message), fatal: false };
  // (a lab Stop's interrupt that landed outside the lab's run: it stopped that request, no more)
  if (error?.type === "KeyboardInterrupt") return { message: "stopped", fatal: false };
  if (error instanceof BadInput) return { message: error.message, fatal: false };
  if (error instanceof DownloadError) return { message: error.message, details: error.details, fatal: true };
  return { message: "Python stopped with an error.", details: String(error?.stack || error), fatal: true };
}

const lastLine = (text) => text.trim().split("\n").pop().replace(/^[\w.]*MicrogptError: /, "");
