// Your model: continue a stopped run, download it, open one (from the page or the CLI), and
// forget the one the browser keeps.
import { field } from "../form.js";
import { runOf } from "../state.js";

const $ = (id) => document.getElementById(id);

export function mountModel(store, app) {
  $("resume").addEventListener("click", () => store.state.phase === "ready" && app.trainMore());
  $("model-download").addEventListener("click", () => {
    const { text, name } = app.modelFile();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
  $("model-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (!file) return;
    if (file.size > 64 * 2 ** 20) return store.update({ message: `${file.name} is too big to be a model.` });
    app.openModel(await file.text(), field("engine").value, file.name);
  });
  $("forget").addEventListener("click", () => app.forget());

  store.subscribe((state) => {
    const { phase, model } = state;
    const ready = phase === "ready";
    $("resume").hidden = !(model && model.canTrain && model.step < runOf(state, model.run).settings.steps);
    $("resume").disabled = !ready;
    $("model-download").disabled = !ready || !model?.checkpoint;
    $("model-file").disabled = !ready;
  });
}
