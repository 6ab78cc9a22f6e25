// The page: one state (state.js), the actions that change it (app.js), and a panel per card,
// each rendering from the state. Settings start from the URL and are kept in it.
import { App } from "./app.js";
import { fillForm, readForm } from "./form.js";
import { mountGenerate } from "./panels/generate.js";
import { mountInside } from "./panels/inside.js";
import { mountStatus } from "./panels/status.js";
import { mountTrain } from "./panels/train.js";
import { MODEL_SHAPE, SETTINGS, FIELDS, queryFromSettings, settingsFromQuery } from "./settings.js";
import { Store } from "./state.js";
import { Typewriter } from "./widgets/typewriter.js";

const { values, problems } = settingsFromQuery(location.search);
fillForm(values);

const store = new Store();
const pace = document.getElementById("pace");
const typewriter = new Typewriter(document.getElementById("samples"), () => Math.max(0, Number(pace.value) || 0));
const app = new App(store, typewriter);
const readShape = () => {
  const shape = readForm(MODEL_SHAPE);
  return shape.problems.length ? null : shape.values;
};

// A control that disables itself (Train, Stop, Generate) would drop the focus to <body>: hand
// it to the control that does the job now. (Subscribed first: it sees the focus before the
// panels disable anything.)
const NEXT_FOCUS = { training: "stop", generating: "stop", ready: "train", failed: "restart" };
store.subscribe((state, previous) => {
  const focused = document.activeElement;
  if (!previous || focused === document.body || !focused) return;
  queueMicrotask(() => {
    if (!focused.disabled) return;
    const next = state.phase === "ready" && previous.phase === "generating" ? "generate" : NEXT_FOCUS[state.phase];
    document.getElementById(next)?.focus();
  });
});
mountStatus(store, app, readShape);
mountTrain(store, app);
mountGenerate(store, app);
mountInside(store, app);
store.update({ message: problems.join("\n") });

// Every valid change of a setting goes into the address, so a copied URL reproduces it.
for (const id of Object.values(FIELDS)) {
  document.getElementById(id).addEventListener("change", () => {
    const all = readForm(Object.keys(SETTINGS));
    store.update({ message: all.problems.join("\n") });
    if (!all.problems.length) history.replaceState(null, "", `${location.pathname}${queryFromSettings(all.values)}`);
  });
}

app.load(readShape());
window.microgptStarted = true; // (for the bootstrap check in index.html)
