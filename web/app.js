// What the page does: each user action as a method that talks to Python (python.js) and moves
// the state (state.js). Panels call these; they never talk to the worker themselves. The
// actions live in actions/, one file per concern, and are methods of one App.
import { diagnoseWorkerScript } from "./downloads.js";
import { PythonClient, PythonError } from "./python.js";
import { datasets } from "./actions/datasets.js";
import { generation } from "./actions/generate.js";
import { inside } from "./actions/inside.js";
import { lab } from "./actions/lab.js";
import { lesson } from "./actions/lesson.js";
import { links } from "./actions/links.js";
import { loading } from "./actions/load.js";
import { models } from "./actions/models.js";
import { training } from "./actions/training.js";
import { views } from "./actions/views.js";

const WORKER_URL = new URL("./worker.mjs", import.meta.url);

// The worker index.html started before the page's modules arrived, the first time it is asked for.
function takeEarlyWorker() {
  const worker = window.microgptWorker ?? null;
  delete window.microgptWorker;
  return worker;
}

export class App {
  // store: the page's state; typewriter: where generated characters are typed out.
  constructor(store, typewriter) {
    this.store = store;
    this.typewriter = typewriter;
    this.python = new PythonClient({
      createWorker: () => takeEarlyWorker() ?? new Worker(WORKER_URL, { type: "module" }),
      onFailure: (report) => this.fail(report),
    });
  }

  get state() {
    return this.store.state;
  }

  // Python is gone: say why in a sentence or two, the technical part under Details.
  async fail({ message, details, silent }) {
    const whileLoading = this.state.phase === "loading";
    if (silent) ({ message, details } = await diagnoseWorkerScript(WORKER_URL, details));
    const status = whileLoading ? `Python could not start. ${message}`
      : `${message} Your settings${this.state.model ? " and your trained model" : ""} are kept: restart Python to carry on.`;
    this.store.update({ phase: "failed", status, failure: { details, whileLoading } });
  }

  stop() {
    if (this.state.phase === "generating") this.typewriter.flush(); // names sampled stop typing too
    return this.attempt(() => this.python.request("stop"));
  }

  // Run a request; bad input is shown and the page goes back to ready. A failure of Python
  // itself has been reported by the client's onFailure already. An error of the page's own (a
  // bug, or something this browser lacks) is said too, never left as an endless "Training…",
  // and then thrown on, so that it shows in the console.
  async attempt(action) {
    try {
      await action();
    } catch (error) {
      if (error instanceof PythonError && error.fatal) return;
      const badInput = error instanceof PythonError;
      const busy = ["training", "generating"].includes(this.state.phase);
      const loading = this.state.phase === "loading" && !badInput; // (never left at "Starting…" for ever)
      this.store.update({ message: badInput ? error.message : `Something went wrong in the page: ${error.message}`,
                          ...(busy ? { phase: "ready", status: "Ready" } : {}),
                          ...(loading ? { phase: "failed", status: "The page could not start Python.",
                                          failure: { details: String(error.stack || error), whileLoading: true } } : {}) });
      if (!badInput) throw error;
    }
  }
}

Object.assign(App.prototype, loading, datasets, training, models, generation, links, inside, views, lesson, lab);
