// The status line, the message box, Details and Restart; and the page's phase as
// document.body.dataset.state, the contract that tests and tools wait on.

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
