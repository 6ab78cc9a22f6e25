// Loading: start Python, then the dataset and the model the page should show, in named steps.
// Also a restart of Python, which loads again with what the page has.
import { megabytes } from "../format.js";
import { runOf } from "../state.js";
import * as storage from "../storage.js";
import { DEFAULT_SOURCE, datasetLabel } from "./datasets.js";
import { fromStorage } from "./models.js";

export const loading = {
  // linked: what the page was opened with ({source, link}); shape: the model's settings on
  // screen; problems: what was wrong with the link. Returns the autosaved run it restored, if any.
  async load({ shape, linked, problems = [] }) {
    if (linked) this.store.update({ linked });
    let restored = null;
    await this.attempt(async () => {
      // The page's own dataset and model after a restart; else the autosaved run, if it is this
      // address's (read from the browser's storage while Python starts).
      const saved = this.state.dataset ? null : this.savedRun(this.state.linked.link, problems);
      await this.startPython();
      restored = await saved;
      if (restored) this.store.update({ runs: restored.runs });
      const wanted = this.wantedDataset(restored);
      if (!(await this.useDataset(wanted))) {
        // Refused (a link's dataset Python won't read, a download that failed): say so, and why, after
        // the default has loaded (which would clear the message).
        const refused = this.state.message.replace(/ The dataset you had is kept\.$/, "");
        await this.useDataset(DEFAULT_SOURCE);
        problems.push(`${refused} Using ${datasetLabel(DEFAULT_SOURCE)} instead.`);
      }
      if (restored) this.store.update({ run: restored.run, model: restored.model, batch: restored.batch });
      if (restored?.edit && this.state.lab.source === null) {
        this.store.update({ lab: { ...this.state.lab, source: restored.edit } }); // (a link's code comes first)
      }
      if (shape) await this.describe(shape);
      this.store.update({ loadPhases: { ...this.state.loadPhases, dataset: Math.round(performance.now()) } });
      if (problems.length) this.store.update({ message: problems.join("\n") }); // (the link's)
      if (!(await this.reopenModel(Boolean(restored)))) {
        restored = null;
        // No model of the page's own: the default run, trained at build time, if the link asks for no other.
        if (this.state.linked.defaultRun) await this.openBuilt();
      }
      if (!this.state.model) this.store.update({ status: "Ready", views: null });
      this.store.update({ phase: "ready", loadPhases: { ...this.state.loadPhases, ready: Math.round(performance.now()) } });
    });
    // A bare address restored a run: the address now says which, as it does for every run on screen.
    if (restored && !this.state.linked.link && this.state.phase === "ready") await this.showInAddress();
    if (shape && this.state.phase === "ready") this.warmUp(shape);
    return restored;
  },

  // Python and our package, loading's news on the status line.
  async startPython() {
    let text = "Starting…";
    const onEvent = (event) => {
      if (event.type === "status") text = event.text;
      const bytes = event.type === "download" && event.total ? ` ${megabytes(event.loaded)} of ${megabytes(event.total)} MB` : "";
      this.store.update({ status: `${text}${bytes}` });
    };
    // Where the page is cross-origin isolated (served by its service worker), Python gets an
    // interrupt buffer: the lab's Stop then interrupts it at once (actions/lab.js).
    // (WebKitGTK says it is isolated but has no SharedArrayBuffer: then there is no buffer.)
    const sharing = globalThis.crossOriginIsolated && typeof SharedArrayBuffer === "function";
    this.interrupt = sharing ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const { phases, how } = await this.python.request("load", { interrupt: this.interrupt }, onEvent);
    if (!this.state.shown) await this.python.request("watch", { shown: false }); // (a new worker shows them)
    // (for tools/bench.py: when each phase ended, in ms from the page's start, the worker's too)
    const onPageClock = (time) => Math.round(time - performance.timeOrigin);
    const workerPhases = Object.fromEntries(Object.entries(phases).map(([name, time]) => [name, onPageClock(time)]));
    this.store.update({ loadPhases: { ...how, ...workerPhases, "python requested": Math.round(performance.now()) } });
  },

  // The dataset to load: the model's own first (after a restart, or from the autosave), so it
  // can go on training; else the one the page had, else the link's.
  wantedDataset(restored) {
    const usable = (source) => (["builtin", "custom"].includes(source?.kind) ? source : null);
    const modelSource = (state) => state?.model && runOf(state, state.model.run).source;
    return usable(modelSource(this.state)) ?? this.state.dataset?.source ?? usable(modelSource(restored))
      ?? this.state.linked.source;
  },

  // The autosaved run for this tab and address (storage.loadSaved); why not, added to problems
  // (shown once the page is ready: loading the dataset would clear a message shown now).
  async savedRun(link, problems) {
    try {
      return fromStorage(await storage.loadSaved(link)); // (this tab's, or the link's, or the newest)
    } catch (error) {
      problems.push(`Your last model can't be kept in this browser (${error.message}); the page works without it.`);
      return null;
    }
  },

  // Open the page's kept checkpoint in the new worker; false (and no model) if there is none or
  // Python refuses it. fromAutosave: the checkpoint came from the browser's storage.
  async reopenModel(fromAutosave) {
    const { model } = this.state;
    if (model?.checkpoint && (await this.reopen({ ...model, restored: fromAutosave }))) {
      const { settings, source } = runOf(this.state, model.run);
      this.store.update({ status: `Ready — restored the model trained for ${model.step} steps ` +
        `with the ${settings.engine} engine${fromAutosave ? ` on ${datasetLabel(source)}` : ""}` });
      return true;
    }
    this.store.update({ model: null });
    return false;
  },

  // The default run, trained at build time with the package (build.py): the same model, bit for
  // bit, that Train makes with the default settings. It is kept in the page like a run trained here.
  async openBuilt() {
    this.store.update({ status: "Opening the model trained at build time…" });
    try {
      const { checkpoint, losses, settings, step } = await this.python.request("open_built");
      const id = (this.state.runs.at(-1)?.id ?? 0) + 1;
      const record = { id, settings: { ...settings, engine: "fast" }, source: DEFAULT_SOURCE, losses, hidden: false };
      this.store.update({
        runs: [...this.state.runs, record], run: { id, step, seconds: 0, stopped: false },
        model: { run: id, step, checkpoint, drawn: 0, canTrain: true, built: true },
        status: "Ready — showing a model trained at build time with the default settings; press Train to train your own here",
      });
      await this.freshViews();
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ model: null, message: `The model trained at build time could not be opened: ${error.message}` });
    }
  },

  // Open a kept checkpoint in the worker; false if Python refuses it.
  async reopen(model) {
    this.store.update({ status: "Restoring the trained model…" });
    const { engine } = runOf(this.state, model.run).settings;
    try {
      const opened = await this.python.request("open", { checkpoint: model.checkpoint, engine });
      this.store.update({ model: { ...model, canTrain: opened.can_train } });
      await this.freshViews();
      return true;
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ message: `The trained model could not be restored: ${error.message}` });
      return false;
    }
  },

  // Compile the fast engine's kernels for this shape while the page waits (quietly: a failure
  // here only means the first steps compile them).
  async warmUp(shape) {
    try {
      await this.python.request("warm_up", shape);
    } catch (error) {
      if (!error.fatal) console.info(`microgpt: warm-up skipped (${error.message})`);
    }
  },

  restart(shape) {
    this.typewriter.reset();
    this.store.update({ phase: "loading", status: "Restarting Python…", message: "", failure: null, inside: null });
    this.python.restart();
    return this.load({ shape });
  },
};
