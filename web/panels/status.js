// The status line, the message box and Restart; and the page's phase as
// document.body.dataset.state, the contract that tests and tools wait on.

export function mountStatus(store, app, readShape) {
  const status = document.getElementById("status");
  const message = document.getElementById("message");
  const restart = document.getElementById("restart");
  restart.addEventListener("click", () => app.restart(readShape()));

  store.subscribe((state) => {
    document.body.dataset.state = state.phase;
    document.body.classList.toggle("busy", ["loading", "training", "generating"].includes(state.phase));
    status.textContent = state.status;
    message.textContent = state.message;
    message.hidden = !state.message;
    restart.hidden = state.phase !== "failed";
  });
}
