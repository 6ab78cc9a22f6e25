// What the page does: each user action as a function that talks to Python (python.js) and
// moves the state (state.js). Panels call these; they never talk to the worker themselves.
import { PythonClient } from "./python.js";

export class App {
  // store: the page's state; typewriter: where generated characters are typed out.
  constructor(store, typewriter) {
    this.store = store;
    this.typewriter = typewriter;
    this.python = new PythonClient({
      createWorker: () => new Worker(WORKER_URL, { type: "module" }),
      onFailure: (report) => this.fail(report),
    });
  }

  // Python is gone: say why in a sentence or two, the technical part under Details.
  async fail({ message, details, silent }) {
    const whileLoading = this.state.phase === "loading";
    if (silent) ({ message, details } = await diagnoseWorkerScript(details));
    const status = whileLoading ? `Python could not start. ${message}`
      : `${message} Your settings${this.state.model ? " and your trained model" : ""} are kept: restart Python to carry on.`;
    this.store.update({ phase: "failed", status, failure: { details, whileLoading } });
  }

  get state() {
    return this.store.state;
  }

  // Start Python, then reopen the model the page had, if any (after a restart).
  async load(shape) {
    let text = "Starting…";
    const onEvent = (event) => {
      if (event.type === "status") text = event.text;
      const bytes = event.type === "download" && event.total ? ` ${megabytes(event.loaded)} of ${megabytes(event.total)} MB` : "";
      this.store.update({ status: `${text}${bytes}` });
    };
    await this.attempt(async () => {
      const { dataset } = await this.python.request("load", {}, onEvent);
      this.store.update({ dataset });
      if (shape) await this.describe(shape);
      const { model } = this.state;
      if (model?.checkpoint && await this.reopen(model)) {
        this.store.update({ phase: "ready", status: `Ready — restored the model trained for ${model.step} steps ` +
          `with the ${model.engine} engine` });
      } else {
        this.store.update({ phase: "ready", status: "Ready", model: null });
      }
    });
  }

  // Open the page's kept checkpoint in a new worker; false if Python refuses it.
  async reopen(model) {
    this.store.update({ status: "Restoring the trained model…" });
    try {
      await this.python.request("open", { checkpoint: model.checkpoint, engine: model.engine });
      return true;
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ message: `The trained model could not be restored: ${error.message}` });
      return false;
    }
  }

  restart(shape) {
    this.typewriter.reset();
    this.store.update({ phase: "loading", status: "Restarting Python…", message: "", failure: null });
    this.python.restart();
    return this.load(shape);
  }

  // The dataset, and the number of parameters of a model of this shape.
  async describe(shape) {
    await this.attempt(async () => this.store.update({ dataset: await this.python.request("describe", shape) }));
  }

  async train(settings) {
    const { engine, steps } = settings;
    let run = { engine, step: 0, numSteps: steps, losses: [], startedAt: performance.now() };
    this.store.update({ phase: "training", status: "Training…", message: "", run, inside: null });
    const onEvent = (event) => {
      if (event.type === "started") {
        this.store.update({ status: `Training with the ${engine} engine…`,
                            dataset: { ...this.state.dataset, num_params: event.num_params } });
      } else {
        run = { ...run, step: event.step, losses: run.losses.concat(event.losses) };
        this.store.update({ run });
      }
    };
    await this.attempt(async () => {
      const { step, num_steps, stopped } = await this.python.request("train", settings, onEvent);
      run = { ...run, seconds: (performance.now() - run.startedAt) / 1000, stopped };
      const model = step > 0 ? { engine, step, numSteps: num_steps, checkpoint: null, drawn: 0 } : null;
      const what = stopped ? `stopped at step ${step} of ${num_steps}` : `trained ${step} steps in ${formatSeconds(run.seconds)}`;
      this.store.update({ phase: "ready", status: `Ready — ${what} with the ${engine} engine`, run, model, batch: null });
      if (model) await this.keepModel();
    });
  }

  // Keep the run as a checkpoint in the page, so a restarted worker can carry on from it.
  async keepModel() {
    const { checkpoint } = await this.python.request("save");
    if (this.state.model) this.store.update({ model: { ...this.state.model, checkpoint } });
  }

  // settings: {samples, temperature, sample_seed, prefix}; no sample_seed: the run's own stream.
  async generate({ samples, temperature, sample_seed, prefix }) {
    const { model } = this.state;
    const batch = { seed: sample_seed, first: sample_seed === null ? model.drawn : null, count: samples };
    this.typewriter.reset();
    this.store.update({ phase: "generating", status: "Generating…", message: "", batch });
    await this.attempt(async () => {
      const { seconds, stopped } = await this.python.request(
        "generate", { samples, temperature, seed: sample_seed, prefix }, (event) => this.typewriter.push(event.chars));
      await this.typewriter.done();
      if (sample_seed === null) {
        // A stop can leave the stream in the middle of a name: from then on, count no more.
        const drawn = stopped || model.drawn === null ? null : model.drawn + samples;
        this.store.update({ model: { ...this.state.model, drawn } });
      }
      this.store.update({ phase: "ready", batch: { ...batch, seconds, stopped },
                          status: `Ready — ${stopped ? "stopped; " : ""}sampled in ${formatSeconds(seconds)}` });
      if (sample_seed === null) await this.keepModel(); // where the stream is now
    });
  }

  // The Look inside view: one name, a turn of the loop at a time.
  async inspect({ temperature, sample_seed, prefix }) {
    await this.attempt(async () => {
      const loop = await this.python.request("inspect_start", { temperature, seed: sample_seed, prefix });
      this.store.update({ message: "", inside: { loop, turn: null, temperature, playing: false } });
    });
  }

  // The next turn; false once the name is done.
  async inspectStep() {
    let more = false;
    await this.attempt(async () => {
      const turn = await this.python.request("inspect_step");
      if (turn) this.store.update({ inside: { ...this.state.inside, turn } });
      more = Boolean(turn && !turn.done);
    });
    return more;
  }

  async inspectTemperature(temperature) {
    await this.attempt(async () => {
      const { probs } = await this.python.request("inspect_temperature", { temperature });
      const { inside } = this.state;
      this.store.update({ inside: { ...inside, temperature, turn: inside.turn && { ...inside.turn, probs,
                                                                             prob: probs[inside.turn.token_id] } } });
    });
  }

  async inspectBranch(tokenId) {
    await this.attempt(async () => {
      const turn = await this.python.request("inspect_branch", { token_id: tokenId });
      this.store.update({ inside: { ...this.state.inside, turn } });
    });
  }

  setPlaying(playing) {
    if (this.state.inside) this.store.update({ inside: { ...this.state.inside, playing } });
  }

  stop() {
    if (this.state.phase === "generating") this.typewriter.flush(); // names sampled stop typing too
    return this.attempt(() => this.python.request("stop"));
  }

  // Run a request; bad input is shown and the page goes back to ready. A failure of Python
  // itself has been reported by the client's onFailure already.
  async attempt(action) {
    try {
      await action();
    } catch (error) {
      if (error.fatal) return;
      const busy = ["training", "generating"].includes(this.state.phase);
      this.store.update({ message: error.message, ...(busy ? { phase: "ready", status: "Ready" } : {}) });
    }
  }
}

const WORKER_URL = new URL("./worker.mjs", import.meta.url);

// Why a worker that never said a word did not start: its script is missing, mistyped or
// unreachable (offline), or it broke while starting.
async function diagnoseWorkerScript(details) {
  let response;
  try {
    response = await fetch(WORKER_URL, { cache: "no-cache" });
  } catch (error) {
    return { message: "The page could not download its Python worker (worker.mjs): the network, or a " +
      "blocker in the browser, refused it.", details: String(error) };
  }
  const type = response.headers.get("Content-Type") || "no type";
  if (!response.ok) {
    return { message: `The page could not download its Python worker (worker.mjs): the server answered ${response.status}.`,
             details: `${WORKER_URL}: HTTP ${response.status}` };
  }
  if (!/javascript/.test(type)) {
    return { message: `The server sends worker.mjs as ${type}; browsers run it only as text/javascript.`,
             details: `${WORKER_URL}: Content-Type: ${type}` };
  }
  return { message: "The Python worker stopped while it started.", details };
}

const megabytes = (bytes) => (bytes / 1e6).toFixed(1);

export function formatSeconds(seconds) {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
