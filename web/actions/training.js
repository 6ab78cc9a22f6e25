// Training: a new run, carrying a stopped one on, and the list of runs kept to compare.
// A run's record ({id, settings, source, losses, hidden}, in state.runs) is the one place its
// settings, dataset and losses are kept; state.run and state.model name it by id.
import { formatSeconds } from "../format.js";
import { runOf } from "../state.js";

export const MAX_RUNS = 8; // the runs whose loss curves are kept to compare

export const training = {
  async train(settings) {
    const id = (this.state.runs.at(-1)?.id ?? 0) + 1;
    const record = { id, settings, source: this.state.dataset.source, losses: [], hidden: false };
    const run = { id, step: 0, startedAt: performance.now() };
    const before = { run: this.state.run, model: this.state.model, runs: this.state.runs, views: this.state.views };
    this.store.update({ phase: "training", status: "Training…", message: "", run, inside: null, views: null,
                        runs: [...this.state.runs, record] });
    await this.trainRun("train", settings, run, before);
  },

  // Carry on a run that was stopped: its losses go on as those of an uninterrupted run.
  async trainMore() {
    const run = { id: this.state.run.id, step: this.state.model.step, startedAt: performance.now(),
                  stepsBefore: this.state.model.step };
    this.store.update({ phase: "training", status: "Training…", message: "", run, inside: null });
    await this.trainRun("train_more", {}, run);
  },

  // before: what the page had, back on screen if the run is stopped before it begins.
  async trainRun(method, args, run, before = null) {
    const { engine } = runOf(this.state, run.id).settings;
    const onEvent = (event) => {
      if (event.type === "started") {
        this.store.update({ status: `Training with the ${engine} engine…`,
                            dataset: { ...this.state.dataset, num_params: event.num_params } });
      } else if (event.type === "views") {
        this.receiveViews(event);
      } else {
        // The speed is measured from the first step done: the run's start (compiling the fast engine's
        // code for a new shape, seconds for a large model) is not averaged in.
        const first = run.firstAt === undefined && event.step > (run.stepsBefore ?? 0)
          ? { firstAt: performance.now(), firstStep: event.step } : {};
        run = { ...run, ...first, step: event.step };
        this.store.update({ run, runs: withLosses(this.state.runs, run.id, event.losses) });
      }
    };
    await this.attempt(async () => {
      const { step, num_steps, stopped, began } = await this.python.request(method, args, onEvent);
      if (began === false && before) {
        return this.store.update({ ...before, phase: "ready", status: "Ready — stopped before the run began; the model " +
          "you had is kept" });
      }
      run = { ...run, seconds: (performance.now() - run.startedAt) / 1000, stopped };
      const model = step > 0 ? { run: run.id, step, checkpoint: null, drawn: 0, canTrain: true } : null;
      const what = stopped ? `stopped at step ${step} of ${num_steps}` : `trained ${step} steps in ${formatSeconds(run.seconds)}`;
      // Kept (in the page and the browser) before the page is ready: a reload then finds it.
      this.store.update({ run, model, batch: null, runs: keptRuns(this.state.runs, model?.run) });
      const link = await this.showInAddress();
      if (model) await this.keepModel(link);
      this.store.update({ phase: "ready", status: `Ready — ${what} with the ${engine} engine` });
    });
  },

  // Hide or show a run's curve, or remove it; the list is autosaved with the model. (The run on
  // screen can't be removed: its record holds the model's settings.)
  async changeRun(id, change) {
    if (change === "remove" && id === this.state.run?.id) return;
    const runs = change === "remove" ? this.state.runs.filter((record) => record.id !== id)
      : this.state.runs.map((record) => (record.id === id ? { ...record, hidden: !record.hidden } : record));
    this.store.update({ runs });
    if (this.state.model && this.state.phase === "ready") await this.autosave();
  },
};

const withLosses = (runs, id, losses) =>
  runs.map((record) => (record.id === id ? { ...record, losses: record.losses.concat(losses) } : record));

// The runs worth keeping: the last MAX_RUNS with a loss curve (a run that failed at once has
// none), and the model's own.
export function keptRuns(runs, modelRun) {
  const curves = runs.filter((record) => record.losses.length).slice(-MAX_RUNS);
  return runs.filter((record) => curves.includes(record) || record.id === modelRun);
}
