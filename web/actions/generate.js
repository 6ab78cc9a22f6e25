// Generating names: sampled in the worker, typed out as they come.
import { formatSeconds } from "../format.js";

export const generation = {
  // settings: {samples, temperature, sample_seed, prefix, sampling, top_k, top_p}; no
  // sample_seed: the run's own stream. Only plain (temperature) draws are microgpt.py's names
  // of that stream, counted; greedy draws nothing from it.
  async generate(settings) {
    const { samples, temperature, sample_seed, prefix, sampling, top_k, top_p } = settings;
    const { model } = this.state;
    const plain = sampling === "temperature";
    const batch = { settings, first: sample_seed === null && plain ? model.drawn : null, count: samples };
    this.typewriter.reset();
    this.store.update({ phase: "generating", status: "Generating…", message: "", batch });
    await this.attempt(async () => {
      const { seconds, stopped } = await this.python.request(
        "generate", { samples, temperature, seed: sample_seed, prefix, sampling, top_k, top_p },
        (event) => this.typewriter.push(event.chars));
      await this.typewriter.done();
      if (sample_seed === null && sampling !== "greedy") {
        // A stop can leave the stream in the middle of a name, and top-k and top-p names draw
        // other lengths than plain ones: from then on, count no more.
        const drawn = stopped || !plain || model.drawn === null ? null : model.drawn + samples;
        this.store.update({ model: { ...this.state.model, drawn } });
      }
      this.store.update({ batch: { ...batch, seconds, stopped } });
      await this.keepModel(await this.showInAddress()); // where the stream is now, and the names' settings
      this.store.update({ phase: "ready", status: `Ready — ${stopped ? "stopped; " : ""}sampled in ${formatSeconds(seconds)}` });
    });
  },
};
