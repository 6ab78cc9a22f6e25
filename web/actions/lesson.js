// The lesson: which section is open, and the numbers Python computes for it (py/microgpt/lesson.py)
// from the name Look inside is stepping. The lesson steps that name with Look inside's own
// actions (inside.js), so the two never disagree.

// The sections, in order; ?learn=NAME opens the page at one.
export const SECTIONS = ["training-to-generation", "loop", "flowchart", "autoregressive", "kv-cache", "stopping",
  "no-gradients", "sampling", "terms"];

// The sections that speak of a name in progress: opening one starts a name if there is none, and
// runs it to at least this many turns (null: to its end).
export const NEEDS_A_NAME = { loop: 0, flowchart: 1, autoregressive: 4, "kv-cache": 4, stopping: null,
  "no-gradients": 1, sampling: 2 };

export const lesson = {
  lessonGo(section) {
    if (!SECTIONS.includes(section)) return;
    this.store.update({ lesson: { ...this.state.lesson, section, picked: null } });
  },

  // The lesson's numbers at the current turn (without a name: only the model's).
  async lessonRefresh() {
    if (!this.state.model || this.state.phase !== "ready") return;
    const { inside, model } = this.state;
    try {
      const data = await this.python.request("lesson");
      if (this.state.inside === inside && this.state.model === model) {
        this.store.update({ lesson: { ...this.state.lesson, data } });
      }
    } catch (error) {
      if (!error.fatal) this.store.update({ lesson: { ...this.state.lesson, data: null } });
    }
  },

  // A name with the loop's stopping condition taken away (it runs to the block size).
  async lessonRunOn({ temperature, sample_seed }) {
    await this.attempt(async () => {
      const runOn = await this.python.request("lesson_run_on", { temperature, seed: sample_seed ?? 0 });
      this.store.update({ lesson: { ...this.state.lesson, runOn: { ...runOn, model: modelKey(this.state) } } });
    });
  },

  // One forward pass against forward and backward, timed in the worker on the name so far.
  async lessonMeasure(doc) {
    await this.attempt(async () => {
      const gradCost = await this.python.request("lesson_gradient_cost", { doc });
      this.store.update({ lesson: { ...this.state.lesson, gradCost: { ...gradCost, model: modelKey(this.state) } } });
    });
  },

  // A box of the flowchart, picked: its line of code is lit.
  lessonPick(step) {
    this.store.update({ lesson: { ...this.state.lesson, picked: step } });
  },
};

// Which model a result was computed on: a result of another is not shown.
export const modelKey = ({ model }) => (model ? `${model.run}:${model.step}` : null);
