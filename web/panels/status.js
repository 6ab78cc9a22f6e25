// The status line, the message box, Details and Restart; and the page's phase as
// document.body.dataset.state, the contract that tests and tools wait on.
import { runOf } from "../state.js";

export function mountStatus(store, app, readShape) {
  const status = document.getElementById("status");
  const message = document.getElementById("message");
  const details = document.getElementById("details");
  const restart = document.getElementById("restart");
  restart.addEventListener("click", () => app.restart(readShape()));

  store.subscribe((state) => {
    document.body.dataset.state = state.phase;
    document.body.classList.toggle("busy", ["loading", "training", "generating"].includes(state.phase));
    status.textContent = state.status;
    showModel(status.dataset, state);
    if (state.loadPhases?.ready) document.body.dataset.loadPhases = JSON.stringify(state.loadPhases); // (for tools/bench.py)
    message.textContent = state.message;
    message.hidden = !state.message;
    restart.hidden = state.phase !== "failed";
    restart.textContent = state.failure?.whileLoading ? "Retry" : "Restart Python";
    details.hidden = !state.failure?.details;
    document.getElementById("update").hidden = !state.update;
    // (reloading mid-run would lose it: the new version waits for the run to end)
    document.getElementById("update-reload").disabled = ["training", "generating"].includes(state.phase);
    details.querySelector("pre").textContent = state.failure?.details ?? "";
  });
}

// What the status line speaks of, for tools and tests to read: the engine of the run on screen,
// the model's steps, whether it was restored from the autosave, was trained at build time and can
// train on, and whether the run was stopped.
function showModel(data, state) {
  const { model, run } = state;
  const facts = { engine: runOf(state)?.settings.engine, modelStep: model?.step, canTrain: model?.canTrain,
                  restored: model?.restored || undefined, built: model?.built || undefined, stopped: run?.stopped || undefined };
  for (const [key, value] of Object.entries(facts)) {
    if (value === undefined || value === null) delete data[key];
    else data[key] = String(value);
  }
}
