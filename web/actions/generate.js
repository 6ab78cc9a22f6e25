// Generating names: sampled in the worker, typed out as they come.
import { formatSeconds } from "../format.js";

export const generation = {
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
  },
};
