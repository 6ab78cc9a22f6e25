// The Train card: the run's settings, Train and Stop, the dataset, progress and the loss chart.
import { formatSeconds } from "../format.js";
import { readForm, field } from "../form.js";
import { DATASETS, MODEL_SHAPE, TRAIN_SETTINGS } from "../settings.js";
import { runOf } from "../state.js";
import { LossChart } from "../widgets/chart.js";

const $ = (id) => document.getElementById(id);

// Returns the loss chart (the runs to compare are drawn on it).
export function mountTrain(store, app) {
  const chart = new LossChart($("chart"));
  const plannedSteps = readForm(["steps"]).values.steps;
  chart.reset(plannedSteps); // before the first run: the settings' length
  $("progress").textContent = `step 0 / ${plannedSteps}`;
  Object.assign($("progress").dataset, { step: 0, steps: plannedSteps });
  $("train-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { values, problems } = readForm(TRAIN_SETTINGS);
    if (problems.length) store.update({ message: problems.join("\n") });
    else if (store.state.phase === "ready") app.train(values);
  });
  $("stop").addEventListener("click", () => app.stop());
  for (const name of MODEL_SHAPE) {
    field(name).addEventListener("change", () => {
      const { values, problems } = readForm(MODEL_SHAPE);
      if (!problems.length && store.state.phase === "ready") app.describe(values);
    });
  }

  store.subscribe((state, previous) => {
    const { phase, run, dataset } = state;
    $("train").disabled = phase !== "ready";
    $("stop").disabled = !["training", "generating"].includes(phase);
    for (const name of TRAIN_SETTINGS) field(name).disabled = phase === "training";
    if (dataset !== previous?.dataset && dataset) showDataset(dataset);
    const vocabulary = dataset?.report?.vocab_size;
    if (vocabulary && !run && vocabulary !== previous?.dataset?.report?.vocab_size) chart.setVocabulary(vocabulary);
    const record = runOf(state), before = previous && runOf(previous);
    if (!run || (run === previous?.run && record === before)) return;
    const numSteps = record.settings.steps;
    const sameRun = run.startedAt === previous?.run?.startedAt && record.id === before?.id;
    if (!sameRun) {
      chart.reset(numSteps);
      if (vocabulary) chart.setVocabulary(vocabulary); // (the run's dataset: it starts on it)
    }
    chart.add(record.losses.slice(sameRun ? before.losses.length : 0));
    showProgress(run, numSteps, record.losses);
    // Every loss of a finished run, as Python computed it, for tools and tests to read.
    if (run.seconds !== undefined) $("chart").dataset.losses = JSON.stringify(record.losses);
  });
  return chart;
}

function showProgress({ step, startedAt, seconds, stepsBefore = 0, firstAt, firstStep }, numSteps, losses) {
  // Steps per second since the first step was done (the start-up is not a step); a run of one
  // chunk has no second point, and its own time is all there is.
  const now = seconds === undefined ? performance.now() : startedAt + seconds * 1000;
  const since = firstAt !== undefined && step > firstStep ? [(step - firstStep), (now - firstAt) / 1000]
    : [step - stepsBefore, (now - startedAt) / 1000];
  const rate = since[0] > 0 && since[1] > 0 ? since[0] / since[1] : 0;
  const progress = $("progress");
  progress.textContent = `step ${step} / ${numSteps}`;
  Object.assign(progress.dataset, { step, steps: numSteps });
  $("progress-bar").value = step / numSteps;
  $("loss").textContent = losses.length ? losses.at(-1).toFixed(4) : "—";
  const starting = seconds === undefined && startedAt !== undefined && step === stepsBefore;
  $("speed").textContent = rate ? `${rate.toFixed(rate < 10 ? 1 : 0)} steps/s`
    : starting ? "starting…" : "";
  $("speed").dataset.rate = rate;
  $("eta").textContent = rate && step < numSteps && seconds === undefined ? `ETA ${formatSeconds((numSteps - step) / rate)}` : "";
}

function showDataset({ source, report, num_params }) {
  if (!report) return;
  const what = source.kind === "builtin" ? DATASETS[source.name].what : "lines";
  const params = num_params === null ? "" : ` · ${num_params.toLocaleString("en")} parameters`;
  $("dataset").textContent = `${report.docs.toLocaleString("en")} ${what} · ${report.vocab_size} tokens ` +
    `(${report.vocab_size - 1} characters + end)${params}`;
}
