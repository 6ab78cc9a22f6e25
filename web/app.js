// What the page does: each user action as a function that talks to Python (python.js) and
// moves the state (state.js). Panels call these; they never talk to the worker themselves.
import { formatSeconds, megabytes } from "./format.js";
import { MAX_LINK_DATA_BYTES, packData } from "./links.js";
import { PythonClient, PythonError } from "./python.js";
import { DATASETS, queryFromSettings } from "./settings.js";
import * as storage from "./storage.js";

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

  get state() {
    return this.store.state;
  }

  // Python is gone: say why in a sentence or two, the technical part under Details.
  async fail({ message, details, silent }) {
    const whileLoading = this.state.phase === "loading";
    if (silent) ({ message, details } = await diagnoseWorkerScript(details));
    const status = whileLoading ? `Python could not start. ${message}`
      : `${message} Your settings${this.state.model ? " and your trained model" : ""} are kept: restart Python to carry on.`;
    this.store.update({ phase: "failed", status, failure: { details, whileLoading } });
  }

  // Start Python; then the dataset (the page's own after a restart, else the autosaved run's
  // when the address is the bare page or that run's link, else the link's) and the model.
  async load({ shape, source, link, problems = [] }) {
    this.linked ??= { source, link }; // what the page was opened with, for a restart
    let text = "Starting…";
    const onEvent = (event) => {
      if (event.type === "status") text = event.text;
      const bytes = event.type === "download" && event.total ? ` ${megabytes(event.loaded)} of ${megabytes(event.total)} MB` : "";
      this.store.update({ status: `${text}${bytes}` });
    };
    let restored = null;
    await this.attempt(async () => {
      const { phases } = await this.python.request("load", {}, onEvent);
      if (!this.state.shown) await this.python.request("watch", { shown: false }); // (a new worker shows them)
      this.loadPhases = { ...phases, "python requested": Math.round(performance.now()) };
      if (!this.state.dataset) restored = await this.savedRun(this.linked.link);
      if (restored?.runs) this.store.update({ runs: restored.runs });
      // The model's own dataset first (after a restart, or from the autosave), so it can go on training.
      const usable = (source) => (["builtin", "custom"].includes(source?.kind) ? source : null);
      const wanted = usable(this.state.model?.source) ?? this.state.dataset?.source ?? usable(restored?.source)
        ?? this.linked.source;
      if (!(await this.useDataset(wanted)) && wanted !== DEFAULT_SOURCE) await this.useDataset(DEFAULT_SOURCE);
      if (restored) this.store.update({ run: restored.run, model: restored.model, batch: restored.batch });
      if (shape) await this.describe(shape);
      if (problems.length) this.store.update({ message: problems.join("\n") }); // (the link's)
      const { model } = this.state;
      if (model?.checkpoint && (await this.reopen(model))) {
        this.store.update({ phase: "ready", status: `Ready — restored the model trained for ${model.step} steps ` +
          `with the ${model.engine} engine${restored ? ` on ${datasetLabel(model.source)}` : ""}` });
      } else {
        this.store.update({ phase: "ready", status: "Ready", model: null, views: null });
        restored = null;
      }
      // (for tools/bench.py: the worker's phases, from its start, and the page's Ready, from its)
      document.body.dataset.loadPhases = JSON.stringify({ ...this.loadPhases, ready: Math.round(performance.now()) });
    });
    if (shape && this.state.phase === "ready") this.warmUp(shape);
    return restored;
  }

  // Compile the fast engine's kernels for this shape while the page waits (quietly: a failure
  // here only means the first steps compile them).
  async warmUp(shape) {
    try {
      await this.python.request("warm_up", shape);
    } catch (error) {
      if (!error.fatal) console.info(`microgpt: warm-up skipped (${error.message})`);
    }
  }

  // The autosaved run, if there is one for this address.
  async savedRun(link) {
    try {
      const saved = await storage.loadSaved();
      return saved && (!link || saved.link === link) ? saved : null;
    } catch (error) {
      this.store.update({ message: `Your last model can't be kept in this browser (${error.message}); the page works without it.` });
      return null;
    }
  }

  // Open the page's kept checkpoint in a new worker; false if Python refuses it.
  async reopen(model) {
    this.store.update({ status: "Restoring the trained model…" });
    try {
      const opened = await this.python.request("open", { checkpoint: model.checkpoint, engine: model.engine });
      this.store.update({ model: { ...model, canTrain: opened.can_train } });
      await this.freshViews();
      return true;
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ message: `The trained model could not be restored: ${error.message}` });
      return false;
    }
  }

  restart(shape) {
    this.typewriter.reset();
    this.store.update({ phase: "loading", status: "Restarting Python…", message: "", failure: null, inside: null });
    this.python.restart();
    return this.load({ shape });
  }

  // Train on this dataset from now on: {kind: "builtin", name} or {kind: "custom", bytes, label}.
  // A refused one leaves the current dataset and model as they were; returns whether it was taken.
  async useDataset(source, shape) {
    const loading = this.state.phase === "loading";
    if (!loading && this.state.phase !== "ready") return false; // (the controls are disabled then)
    const args = source.kind === "builtin" ? { name: source.name } : { bytes: source.bytes };
    try {
      const report = await this.python.request("use_dataset", args);
      this.store.update({ dataset: { source, report, num_params: this.state.dataset?.num_params ?? null }, message: "" });
      if (shape) await this.describe(shape);
      return true;
    } catch (error) {
      if (error.fatal && loading) throw error; // (else the failure has been reported already)
      if (!error.fatal) this.store.update({ message: `${datasetLabel(source)}: ${error.message}. The dataset you had is kept.` });
      return false;
    }
  }

  // The number of parameters of a model of this shape on the dataset.
  async describe(shape) {
    try {
      const { num_params } = await this.python.request("describe", shape);
      this.store.update({ dataset: { ...this.state.dataset, num_params } });
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ message: error.message });
    }
  }

  async train(settings) {
    const source = this.state.dataset.source;
    const id = (this.state.runs.at(-1)?.id ?? 0) + 1;
    let run = { id, settings, source, step: 0, numSteps: settings.steps, losses: [], startedAt: performance.now() };
    const entry = { id, settings, source: { kind: source.kind, name: source.name, label: datasetLabel(source) },
                    losses: [], hidden: false };
    this.store.update({ phase: "training", status: "Training…", message: "", run, inside: null, views: null,
                        runs: [...this.state.runs, entry] });
    await this.trainRun("train", settings, run);
  }

  // Carry on a run that was stopped: its losses go on as those of an uninterrupted run.
  async trainMore() {
    let run = { ...this.state.run, startedAt: performance.now(), stepsBefore: this.state.model.step, stopped: false };
    this.store.update({ phase: "training", status: "Training…", message: "", run, inside: null });
    await this.trainRun("train_more", {}, run);
  }

  async trainRun(method, args, run) {
    const { engine } = run.settings;
    const onEvent = (event) => {
      if (event.type === "started") {
        this.store.update({ status: `Training with the ${engine} engine…`,
                            dataset: { ...this.state.dataset, num_params: event.num_params } });
      } else if (event.type === "views") {
        this.receiveViews(event);
      } else {
        run = { ...run, step: event.step, numSteps: event.num_steps, losses: run.losses.concat(event.losses) };
        this.store.update({ run });
      }
    };
    await this.attempt(async () => {
      const { step, num_steps, stopped } = await this.python.request(method, args, onEvent);
      run = { ...run, seconds: (performance.now() - run.startedAt) / 1000, stopped };
      const model = step > 0 ? { engine, step, numSteps: num_steps, checkpoint: null, drawn: 0, canTrain: true,
                                 settings: run.settings, source: run.source } : null;
      const what = stopped ? `stopped at step ${step} of ${num_steps}` : `trained ${step} steps in ${formatSeconds(run.seconds)}`;
      // Kept (in the page and the browser) before the page is ready: a reload then finds it.
      const runs = this.state.runs.map((entry) => (entry.id === run.id ? { ...entry, losses: run.losses } : entry))
        .filter((entry) => entry.losses.length).slice(-MAX_RUNS); // (a run that failed leaves no curve)
      this.store.update({ run, model, batch: null, runs });
      const link = await this.showInAddress();
      if (model) await this.keepModel(link);
      this.store.update({ phase: "ready", status: `Ready — ${what} with the ${engine} engine` });
    });
  }

  // Keep the run as a checkpoint in the page, so a restarted worker can carry on from it, and
  // in the browser's storage, so a reload can.
  async keepModel(link) {
    const { checkpoint } = await this.python.request("save");
    if (!this.state.model) return;
    this.store.update({ model: { ...this.state.model, checkpoint } });
    await this.autosave(link);
  }

  // link: the page's link, if the caller has it already (packing a dataset into it takes time).
  async autosave(link) {
    const { run, model, batch, runs } = this.state;
    try {
      await storage.save({ source: model.source, run: { ...run, startedAt: 0 }, model, batch, runs,
                           link: link === undefined ? await this.link() : link });
    } catch (error) {
      this.store.update({ message: `Your model can't be kept in this browser (${error.message}); the page works ` +
        "without it: download the model to keep it." });
    }
  }

  async forget() {
    try {
      await storage.forget();
      this.store.update({ status: "Ready — forgot the saved model: a reload starts afresh" });
    } catch (error) {
      this.store.update({ message: `The saved model could not be forgotten: ${error.message}` });
    }
  }

  // settings: {samples, temperature, sample_seed, prefix}; no sample_seed: the run's own stream.
  async generate(settings) {
    const { samples, temperature, sample_seed, prefix } = settings;
    const { model } = this.state;
    const batch = { settings, first: sample_seed === null ? model.drawn : null, count: samples };
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
      this.store.update({ batch: { ...batch, seconds, stopped } });
      await this.keepModel(await this.showInAddress()); // where the stream is now, and the names' settings
      this.store.update({ phase: "ready", status: `Ready — ${stopped ? "stopped; " : ""}sampled in ${formatSeconds(seconds)}` });
    });
  }

  // A checkpoint from the page or the CLI: sample from it (no dataset needed) and, if the
  // dataset here is its own, train it on. A bad file leaves the current model as it was.
  async openModel(text, engine, fileName) {
    await this.attempt(async () => {
      try {
        const opened = await this.python.request("open", { checkpoint: text, engine });
        const source = opened.can_train ? this.state.dataset.source : { kind: "file", label: fileName };
        const settings = { ...opened.settings, engine };
        const model = { engine, step: opened.step, numSteps: opened.num_steps, checkpoint: text, drawn: 0,
                        canTrain: opened.can_train, settings, source };
        const run = { settings, source, step: opened.step, numSteps: opened.num_steps, losses: [], seconds: 0,
                      stopped: opened.step < opened.num_steps };
        this.store.update({ model, run, batch: null, inside: null, message: "",
                            status: `Ready — opened ${fileName}: trained ${opened.step} of ${opened.num_steps} steps` +
                              (opened.can_train ? "" : " (on another dataset: it can sample, not train)") });
        await this.freshViews();
        await this.autosave();
      } catch (error) {
        if (error.fatal) throw error;
        this.store.update({ message: `${fileName} can't be opened: ${error.message}. The model you had is kept.` });
      }
    });
  }

  // The trained model as the CLI's checkpoint JSON, and a file name that says what it is.
  modelFile() {
    const { model } = this.state;
    const name = (model.source.kind === "builtin" ? model.source.name : "custom").replace(/[^\w-]+/g, "-");
    return { text: model.checkpoint, name: `microgpt-${name}-${model.step}steps-seed${model.settings.seed}.json` };
  }

  // The link to what is on screen: the run's training settings and dataset, and the settings
  // of the names shown. A dataset of your own goes in the fragment, compressed; one too big
  // for a link gets null (download the model instead).
  async link() {
    const { run, batch, dataset } = this.state;
    const source = run?.source ?? dataset?.source;
    const values = { ...run?.settings, ...batch?.settings };
    if (source?.kind === "builtin") values.dataset = source.name;
    let fragment = "";
    if (source?.kind === "custom") {
      values.dataset = "custom";
      const { packed, size } = await packData(source.bytes);
      if (size > MAX_LINK_DATA_BYTES) return null;
      fragment = `#data=${packed}`;
    }
    return `${queryFromSettings(values)}${fragment}`;
  }

  // The address says what is on screen, so a reload or a copied address reproduces it.
  async showInAddress() {
    const link = await this.link();
    if (link !== null) history.replaceState(null, "", `${location.pathname}${link}`);
    return link;
  }

  // The Look inside view: one name, a turn of the loop at a time.
  async inspect({ temperature, sample_seed, prefix }) {
    await this.attempt(async () => {
      const loop = await this.python.request("inspect_start", { temperature, seed: sample_seed, prefix });
      this.store.update({ message: "", inside: { loop, turn: null, temperature, playing: false } });
      // Without a sampling seed the loop draws from the run's own stream: its count is lost.
      if (sample_seed === null && this.state.model) this.store.update({ model: { ...this.state.model, drawn: null } });
    });
  }

  // A Look inside request; its reply, or null when it is old news (a new name or a new run
  // started while it was on its way).
  async askInside(method, args) {
    const { loop } = this.state.inside ?? {};
    const reply = await this.python.request(method, args);
    return this.state.inside?.loop === loop ? { reply } : null;
  }

  // The next turn; false once the name is done.
  async inspectStep() {
    let more = false;
    await this.attempt(async () => {
      const { reply: turn } = (await this.askInside("inspect_step")) ?? {};
      if (turn) this.store.update({ inside: { ...this.state.inside, turn } });
      more = Boolean(turn && !turn.done);
    });
    return more;
  }

  async inspectTemperature(temperature) {
    await this.attempt(async () => {
      const asked = await this.askInside("inspect_temperature", { temperature });
      if (!asked) return;
      const { probs } = asked.reply;
      const { inside } = this.state;
      this.store.update({ inside: { ...inside, temperature, turn: inside.turn && { ...inside.turn, probs,
                                                                             prob: probs[inside.turn.token_id] } } });
    });
  }

  async inspectBranch(tokenId) {
    await this.attempt(async () => {
      const asked = await this.askInside("inspect_branch", { token_id: tokenId });
      if (asked) this.store.update({ inside: { ...this.state.inside, turn: asked.reply } });
    });
  }

  setPlaying(playing) {
    if (this.state.inside) this.store.update({ inside: { ...this.state.inside, playing } });
  }

  // The training views' news (the `views` request): frames to draw in turn, health records to
  // add, the steps that can be gone back to.
  receiveViews(news) {
    const views = this.state.views ?? { health: [], frames: [] };
    this.store.update({ views: { ...views, frames: news.frames.length ? news.frames : views.frames,
                                 matrices: news.matrices, health: views.health.concat(news.health), kept: news.kept,
                                 every: news.every, snapshotBytes: news.snapshot_bytes,
                                 snapshotLimit: news.snapshot_limit, names: null, at: null } });
  }

  // The views of a model just opened: its first frame, no history yet.
  async freshViews() {
    this.store.update({ views: null });
    this.receiveViews(await this.python.request("views"));
  }

  // The probe word, or whether the views are shown (then no frames are computed): either may
  // be left out. Takes effect at once, even while a run trains.
  async watch({ probe, shown }) {
    if (shown !== undefined) this.store.update({ shown });
    try {
      const frame = await this.python.request("watch", { probe, shown });
      if (frame && this.state.views) this.store.update({ views: { ...this.state.views, frames: [frame] } });
      return true;
    } catch (error) {
      if (!error.fatal) this.store.update({ message: `The probe word: ${error.message}.` });
      return false;
    }
  }

  // Go back to a kept step: the views show the model as it was, and names sampled from it.
  async travel(step) {
    const { phase, views, run } = this.state;
    if (phase !== "ready" || !views) return;
    await this.attempt(async () => {
      const { frame, names } = await this.python.request("travel", { step });
      // Old news if a run started (or a model was opened) meanwhile: its views are another model's.
      if (this.state.run !== run || !this.state.views) return;
      this.store.update({ views: { ...this.state.views, frames: [frame], names, at: step } });
    });
  }

  // Hide or show a run's curve, or remove it; the list is autosaved with the model.
  async changeRun(id, change) {
    const runs = change === "remove" ? this.state.runs.filter((entry) => entry.id !== id)
      : this.state.runs.map((entry) => (entry.id === id ? { ...entry, hidden: !entry.hidden } : entry));
    this.store.update({ runs });
    if (this.state.model && this.state.phase === "ready") await this.autosave();
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
      if (!(error instanceof PythonError)) throw error; // a bug, not bad input: let it show
      if (error.fatal) return;
      const busy = ["training", "generating"].includes(this.state.phase);
      this.store.update({ message: error.message, ...(busy ? { phase: "ready", status: "Ready" } : {}) });
    }
  }
}

export const MAX_RUNS = 8; // the runs whose loss curves are kept to compare

export const DEFAULT_SOURCE = Object.freeze({ kind: "builtin", name: Object.keys(DATASETS)[0] });

// How the page names a dataset.
export function datasetLabel(source) {
  if (source.kind === "builtin") return DATASETS[source.name].title;
  return source.label || "your dataset";
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
