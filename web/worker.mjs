// The Python worker: loads Pyodide, installs the microgpt wheel with micropip, and runs
// training and sampling for the page. The messages it takes and sends are documented in
// protocol.js. Settings reach Python only as call arguments, never as Python source.

const CHUNK_SECONDS = 0.05; // compute between two looks at the inbox: Stop lands within ~this

let pyodide, session, take;
let stopRequested = false;
const inbox = [];
let working = false;

self.onmessage = (event) => {
  if (event.data.type === "stop") stopRequested = true;
  else inbox.push(event.data);
  if (!working) drain();
};

const post = (message) => self.postMessage(message);

async function drain() {
  working = true;
  while (session && inbox.length) {
    const message = inbox.shift();
    try {
      await handlers[message.type](message);
    } catch (error) {
      reportError(error, message.type);
    }
  }
  working = false;
}

const handlers = {
  describe({ settings }) {
    post({ type: "described", dataset: call(session.describe, modelSettings(settings)) });
  },

  async train({ settings }) {
    stopRequested = false;
    const run = call(session.start_training, settings);
    post({ type: "trainStart", ...run, engine: settings.engine });
    let progress = { step: 0, num_steps: run.num_steps };
    while (progress.step < progress.num_steps && !stopRequested) {
      progress = call(session.train, { seconds: CHUNK_SECONDS });
      post({ type: "progress", ...progress });
      await nextTask();
    }
    post({ type: "trainEnd", step: progress.step, num_steps: progress.num_steps, stopped: stopRequested });
  },

  async generate({ settings }) {
    stopRequested = false;
    const events = session.generate.callKwargs(settings);
    let computing = 0;
    try {
      while (!stopRequested) {
        const start = performance.now();
        const batch = call(take, { events, seconds: CHUNK_SECONDS });
        computing += performance.now() - start;
        if (!batch.length) break;
        for (const [sample, char, prob] of batch) {
          post(char === undefined ? { type: "nameEnd", sample } : { type: "char", sample, char, prob });
        }
        await nextTask();
      }
    } finally {
      events.destroy();
    }
    post({ type: "generateEnd", seconds: computing / 1000, stopped: stopRequested });
  },

  save() {
    post({ type: "saved", checkpoint: session.save() });
  },

  restore({ checkpoint, engine }) {
    post({ type: "restored", ...call(session.restore, { text: checkpoint, engine }), engine });
  },
};

// Call a Python method with keyword arguments and bring the answer back as plain JS.
function call(method, kwargs) {
  const result = method.callKwargs(kwargs);
  try {
    return result.toJs({ dict_converter: Object.fromEntries });
  } finally {
    result.destroy();
  }
}

const modelSettings = ({ n_embd, n_head, n_layer, block_size }) => ({ n_embd, n_head, n_layer, block_size });

// A zero-delay break that lets queued messages (a Stop) in. setTimeout(0) would be clamped
// to 4 ms once nested; a MessageChannel round trip is not.
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

// A MicrogptError is the user's bad input: say it and carry on. Anything else is a crash.
function reportError(error, request) {
  const pythonType = error?.type;
  const fatal = pythonType !== "MicrogptError";
  const message = pythonType === "MicrogptError" ? lastLine(error.message) : String(error?.message || error);
  post({ type: "error", message, fatal, request });
}

const lastLine = (text) => text.trim().split("\n").pop().replace(/^[\w.]*MicrogptError: /, "");

async function load() {
  const base = new URL("./", self.location.href);
  // The one file whose name never changes with its content; all it points at is versioned.
  const manifest = await (await fetch(new URL("manifest.json", base), { cache: "no-cache" })).json();
  post({ type: "status", text: "Loading Python (Pyodide)…" });
  const { loadPyodide } = await import(new URL(`${manifest.pyodide}pyodide.mjs`, base).href);
  pyodide = await loadPyodide({ indexURL: new URL(manifest.pyodide, base).href });

  post({ type: "status", text: "Installing microgpt…" });
  // PyPI's micropip wheel is not the one pyodide-lock.json hashes (build.py checked its own
  // pin), so it is loaded by URL. A failed loadPackage only logs, so collect its errors, and
  // check by importing.
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

  post({ type: "status", text: "Loading the names dataset…" });
  const response = await fetch(new URL(manifest.data, base));
  if (!response.ok) throw new Error(`could not fetch ${manifest.data} (${response.status})`);
  const sessionModule = pyodide.pyimport("microgpt.session");
  take = sessionModule.take;
  session = sessionModule.Session(await response.text());
  post({ type: "ready", dataset: call(session.describe, {}) });
}

load().then(drain, (error) => post({ type: "error", message: `Loading failed: ${error.message || error}`, fatal: true }));
