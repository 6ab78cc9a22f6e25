// The page's state, in one place. Panels render from it and subscribe to its changes; only
// the actions in app.js change it, and every change of phase is checked against PHASES.
//
// The phase is also document.body.dataset.state (panels/status.js), the contract tests and
// tools wait on:
//   loading     Python is starting (or restarting, or reopening a model)
//   ready       idle: the user can train, or generate if there is a model
//   training    a run is going on
//   generating  names are being drawn or typed out
//   failed      Python stopped; the user can restart it

export const PHASES = {
  loading: ["ready", "failed"],
  ready: ["training", "generating", "loading", "failed"],
  training: ["ready", "failed"],
  generating: ["ready", "failed"],
  failed: ["loading"],
};

export const INITIAL_STATE = {
  phase: "loading",
  status: "Starting…", // the status line
  message: "", // what the user should fix or know (bad settings, a failed request)
  dataset: null, // {docs, vocab_size, chars, num_params}
  run: null, // the training run shown: {engine, step, numSteps, losses, startedAt, seconds, stopped}
  model: null, // the model to sample from: {engine, step, numSteps, checkpoint (JSON), drawn}
  //   drawn: names drawn so far from the run's own random stream (null once unknown)
  batch: null, // the names being or last generated: {seed, first, count}
  failure: null, // why Python stopped: {details, whileLoading}
  update: false, // a new version of the page is ready (offline.js)
  inside: null, // the Look inside view: {loop (source, tokens, shape), turn, temperature, playing}
  views: null, // the training views (see the `views` request in python.js): {frames (the newest,
  //   to draw in turn), matrices, health (records so far), kept, every, snapshotBytes, names and
  //   at (after going back to a kept step)}
  shown: true, // whether the training views are shown
  runs: [], // the last runs' loss curves, to compare: [{id, settings, source, losses, hidden}]
};

export class Store {
  constructor(state = INITIAL_STATE) {
    this.state = Object.freeze({ ...state });
    this.subscribers = [];
  }

  // Merge patch into the state and tell every subscriber (state, previous).
  update(patch) {
    const previous = this.state;
    const next = Object.freeze({ ...previous, ...patch });
    if (next.phase !== previous.phase && !PHASES[previous.phase].includes(next.phase)) {
      throw new Error(`the page cannot go from ${previous.phase} to ${next.phase}`);
    }
    this.state = next;
    for (const subscriber of this.subscribers) subscriber(next, previous);
  }

  // Call subscriber(state, previous) now (previous null) and after every update.
  subscribe(subscriber) {
    this.subscribers.push(subscriber);
    subscriber(this.state, null);
  }
}
