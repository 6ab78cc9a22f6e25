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

// Each thing has one owner: a run's settings, dataset and losses live in its record in
// `runs`; `run` (the run on screen) and `model` name their record by id (runOf).
export const INITIAL_STATE = {
  phase: "loading",
  status: "Starting…", // the status line
  message: "", // what the user should fix or know (bad settings, a failed request)
  linked: null, // what the page was opened with (for a restart): {source, link, defaultRun (it asks for
  //   the default run: the model trained at build time will do)}
  loadPhases: null, // when each phase of loading ended, in ms (the worker's, then the page's)
  dataset: null, // the dataset to train on: {source, report, num_params}
  runs: [], // the runs: [{id, settings, source, losses, hidden}], the last few with their loss curves
  run: null, // the run on screen: {id, step, startedAt, seconds, stopped, stepsBefore}
  model: null, // the model to sample from: {run (id), step, checkpoint (JSON), drawn, canTrain, restored,
  //   built (trained at build time)}
  //   drawn: names drawn so far from the run's own random stream (null once unknown)
  batch: null, // the names being or last generated: {settings, first, count, seconds, stopped}
  failure: null, // why Python stopped: {details, whileLoading}
  update: false, // a new version of the page is ready (offline.js)
  inside: null, // the Look inside view: {loop (source, tokens, shape), turn, temperature, playing}
  views: null, // the training views (see the `views` request in python.js): {frames (the newest,
  //   to draw in turn), matrices, health (records so far), kept, every, snapshotBytes, names and
  //   at (after going back to a kept step)}
  shown: true, // whether the training views are shown
  lab: { open: false, original: null, source: null, fromLink: false, running: false, settings: null, names: [],
         output: "", error: null }, // the lab: the original loop and the edit (Python source, as text),
  //   whether it came with the link (then it runs only when Run is pressed), the last run's
  //   settings {samples, temperature, sample_seed} and names [{name, original}], print()'s output
  //   and its error {message, trace, line}
  lesson: { section: "training-to-generation", data: null, runOn: null, gradCost: null, picked: null }, // the lesson:
  //   the open section, Python's numbers for it (py/microgpt/lesson.py), a name run on past BOS and a
  //   measured gradient cost (each with the model it is of), the flowchart box picked
};

// The record of run `id` (by default, of the run on screen), or null.
export const runOf = (state, id = state.run?.id) => state.runs.find((record) => record.id === id) ?? null;

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

  // Call subscriber(state, previous) now (previous null) and after every update, until the
  // function returned is called.
  subscribe(subscriber) {
    this.subscribers.push(subscriber);
    subscriber(this.state, null);
    return () => (this.subscribers = this.subscribers.filter((other) => other !== subscriber));
  }
}
