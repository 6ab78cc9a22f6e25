// The model: kept as a checkpoint in the page and in the browser (autosave), downloaded, opened
// from a file, forgotten.
import { addressLink } from "../links.js";
import * as storage from "../storage.js";
import { runOf } from "../state.js";
import { keptRuns } from "./training.js";

export const models = {
  // Keep the run as a checkpoint in the page, so a restarted worker can carry on from it, and
  // in the browser's storage, so a reload can.
  async keepModel(link) {
    const { checkpoint } = await this.python.request("save");
    if (!this.state.model) return;
    this.store.update({ model: { ...this.state.model, checkpoint } });
    await this.autosave(link);
  },

  // link: the page's link, if the caller has it already (packing a dataset into it takes time).
  async autosave(link) {
    try {
      const dropped = await storage.save(toStorage(this.state, link === undefined ? await this.link() : link));
      if (dropped) {
        this.store.update({ message: "The oldest model kept in this browser made room for this one: the page keeps " +
          "the last five, one per tab." });
      }
    } catch (error) {
      this.store.update({ message: `Your model can't be kept in this browser (${error.message}); the page works ` +
        "without it: download the model to keep it." });
    }
  },

  async forget() {
    try {
      await storage.forget(addressLink());
      this.store.update({ status: "Ready — forgot the saved model: a reload starts afresh" });
    } catch (error) {
      this.store.update({ message: `The saved model could not be forgotten: ${error.message}` });
    }
  },

  // A checkpoint from the page or the CLI: sample from it (no dataset needed) and, if the
  // dataset here is its own, train it on. A bad file leaves the current model as it was.
  async openModel(text, engine, fileName) {
    await this.attempt(async () => {
      try {
        const opened = await this.python.request("open", { checkpoint: text, engine });
        const id = (this.state.runs.at(-1)?.id ?? 0) + 1;
        const source = opened.can_train ? this.state.dataset.source : { kind: "file", label: fileName };
        const record = { id, settings: { ...opened.settings, engine }, source, losses: [], hidden: false };
        const model = { run: id, step: opened.step, checkpoint: text, drawn: 0, canTrain: opened.can_train };
        const run = { id, step: opened.step, seconds: 0, stopped: opened.step < opened.settings.steps };
        this.store.update({ runs: keptRuns([...this.state.runs, record], id), model, run, batch: null, inside: null,
                            message: "", status: `Ready — opened ${fileName}: trained ${opened.step} of ` +
                              `${opened.num_steps} steps${opened.can_train ? "" : " (on another dataset: it can sample, not train)"}` });
        await this.freshViews();
        await this.autosave();
      } catch (error) {
        if (error.fatal) throw error;
        this.store.update({ message: `${fileName} can't be opened: ${error.message}. The model you had is kept.` });
      }
    });
  },

  // The trained model as the CLI's checkpoint JSON, and a file name that says what it is.
  modelFile() {
    const { model } = this.state;
    const { source, settings } = runOf(this.state, model.run);
    const name = (source.kind === "builtin" ? source.name : "custom").replace(/[^\w-]+/g, "-");
    return { text: model.checkpoint, name: `microgpt-${name}-${model.step}steps-seed${settings.seed}.json` };
  },
};

// What the autosave keeps: the model, the runs (the model's own with its dataset; the others'
// datasets by name only, as a dataset of your own can be megabytes) and what is on screen.
const VERSION = 2;

function toStorage({ runs, run, model, batch, lab }, link) {
  const slim = (record) => (record.id === model.run || !record.source.bytes ? record
    : { ...record, source: { kind: record.source.kind, label: record.source.label } });
  const edit = lab.source !== lab.original ? lab.source : null; // the lab's edit, if there is one
  return { version: VERSION, runs: runs.map(slim), run: { ...run, startedAt: 0 }, model, batch, link, edit };
}

// The autosave as the page holds it, from any version kept (null if there is none).
export function fromStorage(saved) {
  if (!saved?.model) return null;
  if (saved.version === VERSION) return saved;
  // Version 1 held the model's settings and dataset in the model and in the run, and a list of
  // the runs' curves (the model's among them, if it was trained here) without datasets.
  const { run, model, batch, link } = saved;
  const id = run.id ?? (saved.runs?.at(-1)?.id ?? 0) + 1;
  const record = { id, settings: model.settings, source: model.source, losses: run.losses ?? [],
                   hidden: Boolean(saved.runs?.find((entry) => entry.id === id)?.hidden) };
  const others = (saved.runs ?? []).filter((entry) => entry.id !== id);
  return { version: VERSION, runs: [...others, record].sort((a, b) => a.id - b.id), batch, link,
           run: { id, step: run.step, seconds: run.seconds, stopped: run.stopped },
           model: { run: id, step: model.step, checkpoint: model.checkpoint, drawn: model.drawn, canTrain: model.canTrain } };
}
