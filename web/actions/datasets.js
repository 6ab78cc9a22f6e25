// The dataset to train on: a built-in one, or one of your own; and the size of the model the
// settings would make on it.
import { DATASETS } from "../settings.js";

export const DEFAULT_SOURCE = Object.freeze({ kind: "builtin", name: Object.keys(DATASETS)[0] });

// How the page names a dataset.
export function datasetLabel(source) {
  if (source.kind === "builtin") return DATASETS[source.name].title;
  return source.label || "your dataset";
}

export const datasets = {
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
  },

  // The number of parameters of a model of this shape on the dataset.
  async describe(shape) {
    try {
      const { num_params } = await this.python.request("describe", shape);
      this.store.update({ dataset: { ...this.state.dataset, num_params } });
    } catch (error) {
      if (error.fatal) throw error;
      this.store.update({ message: error.message });
    }
  },
};
