// The Python worker: loads Pyodide, installs the microgpt wheel with micropip, and runs a
// microgpt Session for the page. Its requests and replies are documented in python.js.
// Settings reach Python only as call arguments, never as Python source.
import { DownloadError, watchDownloads } from "./downloads.js";

// Python computes in chunks, and between two the worker looks at its inbox, to hear a Stop. That
// look costs what the engine makes it cost: ~0.1 ms in Chromium and Firefox, ~9 ms in WebKit,
// whose message ports wait on the page's busy thread. So a chunk lasts long enough for the looks
// to take at most LOOK_SHARE of the time, and at most MAX_CHUNK_SECONDS: a stop still lands fast.
const MIN_CHUNK_SECONDS = 0.05;
const MAX_CHUNK_SECONDS = 0.2;
const LOOK_SHARE = 0.05;
const VIEWS_EVERY_MS = 250; // the training views are sent at most this often

const base = new URL("./", self.location.href);
let pyodide, session, take, manifest, interruptBuffer;
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
  load: ({ interrupt }, emit) => load(emit, interrupt),

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
        data = await fetchBytes(manifest.datasets[name]);
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
  const response = await fetch(new URL(path, base));
  if (!response.ok) throw new BadInput(`${path.split("?")[0]} could not be downloaded (HTTP ${response.status})`);
  return response.text();
}

async function fetchBytes(path) {
  return new Uint8Array(await (await fetch(new URL(path, base))).arrayBuffer());
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

// Load Python and our package, and open a Session. Every download is watched (downloads.js):
// the page sees bytes arrive, and the first one that fails ends loading with its reason,
// instead of leaving Pyodide to wait for it. The phases' times go back to the page.
async function load(emit, interrupt) {
  // A failed download is reported once, through the race below; Pyodide may leave its own
  // promise of it unawaited, which is no news.
  self.addEventListener("unhandledrejection", (event) => event.reason instanceof DownloadError && event.preventDefault());
  const { failure, optional } = watchDownloads((loaded, total) => emit({ type: "download", loaded, total }));
  failure.catch(() => {}); // (raced below; unraced once loading is over)
  const loaded = await Promise.race([loadSession(emit, optional), failure]);
  if (interrupt) {
    interruptBuffer = interrupt;
    pyodide.setInterruptBuffer(interrupt); // (2, SIGINT, raises KeyboardInterrupt within ~50 bytecodes)
  }
  return { ...loaded, interruptible: Boolean(interrupt) };
}

async function loadSession(emit, optional) {
  const started = performance.now(), phases = {};
  const phase = (name) => (phases[name] = Math.round(performance.now() - started));
  // The one file whose name never changes with its content; all it points at is versioned.
  manifest = await (await fetch(new URL("manifest.json", base), { cache: "no-cache" })).json();
  phase("manifest");
  emit({ type: "status", text: "Loading Python (Pyodide)…" });
  const pyodideURL = new URL(manifest.pyodide, base);
  // Fetched once first, so a missing or mistyped script is named; the imports then come
  // from the HTTP cache.
  await Promise.all(["pyodide.mjs", "pyodide.asm.mjs"].map(async (name) => (await fetch(new URL(name, pyodideURL))).arrayBuffer()));
  const { loadPyodide } = await import(new URL("pyodide.mjs", pyodideURL).href);
  phase("scripts");
  const wheel = fetchBytes(manifest.wheel); // meanwhile
  wheel.catch(() => {}); // (a failure is the download watch's to report)
  pyodide = await bootFromSnapshot(loadPyodide, pyodideURL, wheel, optional);
  phases.snapshot = Boolean(pyodide);
  if (!pyodide) {
    pyodide = await loadPyodide({ indexURL: pyodideURL.href });
    phase("python");
    emit({ type: "status", text: "Installing microgpt…" });
    await installWithMicropip();
  }
  phase("python ready");
  const sessionModule = pyodide.pyimport("microgpt.session");
  take = sessionModule.take;
  session = sessionModule.Session();
  return { datasets: Object.keys(manifest.datasets), phases };
}

// Python as build.py left it: booted, our package imported, the default model's kernels
// compiled (tools/make_snapshot.mjs), restored from a memory snapshot in well under a second.
// The files of our wheel are not in a memory snapshot: they are unpacked again. Any failure
// (a missing, damaged or mismatched snapshot) returns null: the plain boot takes over.
async function bootFromSnapshot(loadPyodide, pyodideURL, wheel, optional) {
  if (!manifest.snapshot) return null;
  const url = new URL(manifest.snapshot, base);
  optional.add(url.href);
  try {
    const snapshot = gunzip(fetch(url));
    const restored = await loadPyodide({ indexURL: pyodideURL.href, _loadSnapshot: snapshot });
    restored.unpackArchive(await wheel, "wheel");
    return restored;
  } catch (error) {
    console.warn(`microgpt: the memory snapshot could not be used (${error.message || error}); starting ` +
      "Python the plain way.");
    return null;
  }
}

async function gunzip(response) {
  const body = (await response).body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

// PyPI's micropip wheel is not the one pyodide-lock.json hashes (build.py checked its own
// pin), so it is loaded by URL. A failed loadPackage only logs, so collect its errors, and
// check by importing.
async function installWithMicropip() {
  const errors = [];
  await pyodide.loadPackage(new URL(manifest.micropip, base).href, {
    messageCallback: () => {},
    errorCallback: (message) => errors.push(message),
  });
  if (errors.length) throw new Error(`micropip did not load: ${errors.join("; ")}`);
  const micropip = pyodide.pyimport("micropip");
  // Keyword arguments need callKwargs: a positional object would be `keep_going`.
  await micropip.install.callKwargs(new URL(manifest.wheel, base).href, { deps: false });
  micropip.destroy();
}
