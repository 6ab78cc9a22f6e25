// The page: one state (state.js), the actions that change it (app.js), and a panel per card,
// each rendering from the state. Settings start from the URL and are kept in it.
import { DEFAULT_SOURCE } from "./actions/datasets.js";
import { App } from "./app.js";
import { fillForm, readForm } from "./form.js";
import { mountGenerate } from "./panels/generate.js";
import { mountInside } from "./panels/inside.js";
import { mountLab } from "./panels/lab.js";
import { mountLesson } from "./panels/lesson.js";
import { SECTIONS } from "./actions/lesson.js";
import { mountDataset } from "./panels/dataset.js";
import { mountModel } from "./panels/model.js";
import { MAX_CODE_BYTES, addressLink, codeInFragment, dataInFragment, unpackData } from "./links.js";
import { registerServiceWorker } from "./offline.js";
import { TAB, onOtherTabSave } from "./storage.js";
import { mountStatus } from "./panels/status.js";
import { mountRuns } from "./panels/runs.js";
import { mountTrain } from "./panels/train.js";
import { mountViews } from "./panels/views.js";
import { LIMITS, MODEL_SHAPE, SETTINGS, TRAIN_SETTINGS, settingsFromQuery } from "./settings.js";
import { Store, runOf } from "./state.js";
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
    if (!focused.disabled || ![focused, document.body].includes(document.activeElement)) return; // (or moved on)
    const next = state.phase === "ready" && previous.phase === "generating" ? "generate" : NEXT_FOCUS[state.phase];
    document.getElementById(next)?.focus();
  });
});
mountStatus(store, app, readShape);
mountDataset(store, app, readShape);
mountRuns(store, app, mountTrain(store, app));
mountViews(store, app);
mountModel(store, app);
mountGenerate(store, app);
mountInside(store, app);
mountLesson(store, app);
mountLab(store, app);
window.microgptStarted = true; // (for the bootstrap check in index.html)

// The dataset the link asks for: its own, packed in the fragment, or a built-in one by name.
async function linkedSource() {
  const packed = dataInFragment(location.hash);
  if (packed) {
    try {
      return { kind: "custom", bytes: await unpackData(packed, LIMITS.MAX_DATA_BYTES), label: "the link's dataset" };
    } catch (error) {
      problems.push(`The dataset in this link is damaged (${error.message}); using the default one.`);
      return DEFAULT_SOURCE;
    }
  }
  if (values.dataset === "custom") {
    problems.push("This link names a dataset of your own but does not hold it; using the default one.");
    return DEFAULT_SOURCE;
  }
  return { kind: "builtin", name: values.dataset };
}

// ?learn=SECTION opens the lesson at a section (a teacher's link per slide).
const learn = new URLSearchParams(location.search).get("learn");
if (learn !== null && !SECTIONS.includes(learn)) {
  problems.push(`The link asks for a lesson section "${learn.slice(0, 40)}" that there is not; the lesson starts ` +
    "at its beginning.");
} else if (learn !== null) {
  app.lessonGo(learn);
  const section = document.getElementById(`learn-${learn}`);
  section.scrollIntoView({ block: "start" });
  section.focus({ preventScroll: true });
}

// The lab's edit in the link: shown in the lab, never run until Run is pressed.
async function linkedCode() {
  const packed = codeInFragment(location.hash);
  if (!packed) return;
  try {
    const source = new TextDecoder("utf-8", { fatal: true }).decode(await unpackData(packed, MAX_CODE_BYTES));
    store.update({ lab: { ...store.state.lab, source, fromLink: true } });
  } catch (error) {
    problems.push(`The lab's code in this link is damaged or too big (${error.message || "not UTF-8 text"}); the ` +
      "lab keeps the original loop.");
  }
}

await linkedCode();
const source = await linkedSource();
store.update({ message: problems.join("\n") });
const link = addressLink();
// A link to a run of other settings, or another dataset, is for training that one: the model
// trained at build time is the default run only.
const defaultRun = [...TRAIN_SETTINGS, "dataset"].every((name) => values[name] === SETTINGS[name].default)
  && source.kind === "builtin";
const restored = await app.load({ shape: readShape(), linked: { source, link, defaultRun }, problems });
if (restored) fillForm({ ...runOf(restored, restored.model.run).settings, ...restored.batch?.settings });
registerServiceWorker(store); // after Ready: its downloads don't compete with the page's
// Each tab keeps its own model (storage.js); another tab's save is news, not a loss.
document.body.dataset.tab = TAB; // (its autosave record is "tab:" + this, for tests and tools)
onOtherTabSave(({ step }) => store.update({ message: `Another tab saved its model${step ? ` (trained ${step} steps)` : ""}. ` +
  "The model in this tab is kept too: each tab keeps its own, and a reload here brings back this one." }));
