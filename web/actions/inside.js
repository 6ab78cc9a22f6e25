// The Look inside view: one name, a turn of the loop at a time.

export const inside = {
  async inspect({ temperature, sample_seed, prefix, sampling, top_k, top_p }) {
    await this.attempt(async () => {
      const loop = await this.python.request("inspect_start", { temperature, seed: sample_seed, prefix, sampling,
                                                                top_k, top_p });
      const mode = { sampling, top_k, top_p };
      this.store.update({ message: "", inside: { loop, turn: null, temperature, mode, playing: false } });
      // Without a sampling seed the loop draws from the run's own stream (greedy draws nothing):
      // its count is lost.
      if (sample_seed === null && sampling !== "greedy" && this.state.model) {
        this.store.update({ model: { ...this.state.model, drawn: null } });
      }
    });
  },

  // A Look inside request; its reply, or null when it is old news (a new name or a new run
  // started while it was on its way).
  async askInside(method, args) {
    const { loop } = this.state.inside ?? {};
    const reply = await this.python.request(method, args);
    return this.state.inside?.loop === loop ? { reply } : null;
  },

  // The next turn; false once the name is done.
  async inspectStep() {
    let more = false;
    await this.attempt(async () => {
      const { reply: turn } = (await this.askInside("inspect_step")) ?? {};
      if (turn) this.store.update({ inside: { ...this.state.inside, turn } });
      more = Boolean(turn && !turn.done);
    });
    return more;
  },

  async inspectTemperature(temperature) {
    await this.attempt(async () => {
      const asked = await this.askInside("inspect_temperature", { temperature });
      if (!asked) return;
      const { probs } = asked.reply;
      const { inside } = this.state;
      this.store.update({ inside: { ...inside, temperature, turn: inside.turn && { ...inside.turn, probs,
                                                                             prob: probs[inside.turn.token_id] } } });
    });
  },

  async inspectBranch(tokenId) {
    await this.attempt(async () => {
      const asked = await this.askInside("inspect_branch", { token_id: tokenId });
      if (asked) this.store.update({ inside: { ...this.state.inside, turn: asked.reply } });
    });
  },

  setPlaying(playing) {
    if (this.state.inside) this.store.update({ inside: { ...this.state.inside, playing } });
  },
};
