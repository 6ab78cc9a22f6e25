// The training views (Watch it learn): frames as they come, the probe word, going back to a kept step.

export const views = {
  // The views' news (the `views` request): frames to draw in turn, health records to add, the
  // steps that can be gone back to.
  receiveViews(news) {
    const views = this.state.views ?? { health: [], frames: [] };
    this.store.update({ views: { ...views, frames: news.frames.length ? news.frames : views.frames,
                                 matrices: news.matrices, health: views.health.concat(news.health), kept: news.kept,
                                 every: news.every, snapshotBytes: news.snapshot_bytes,
                                 snapshotLimit: news.snapshot_limit, names: null, at: null } });
  },

  // The views of a model just opened: its first frame, no history yet.
  async freshViews() {
    this.store.update({ views: null });
    this.receiveViews(await this.python.request("views"));
  },

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
  },

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
  },
};
