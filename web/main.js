// The page: settings in, Python worker driven through protocol.js, progress and names out.
import { LossChart } from "./chart.js";
import { PythonWorker } from "./protocol.js";
import { SETTINGS, crossCheck, parseSetting, queryFromSettings, settingsFromQuery } from "./settings.js";
import { Typewriter } from "./typewriter.js";

const $ = (id) => document.getElementById(id);
const TRAIN_SETTINGS = ["steps", "seed", "n_embd", "n_head", "n_layer", "block_size", "engine"];
const GENERATE_SETTINGS = ["samples", "temperature", "seed"];

// loading → ready ⇄ training | generating; failed until restarted
let state = "loading";
let trained = false;
let run = null; // the current training run: {startedAt, engine}
let saved = null; // the last trained run as a checkpoint, to survive a restart of the worker
const chart = new LossChart($("chart"));
const typewriter = new Typewriter($("samples-list"), () => Math.max(0, Number($("pace").value) || 0));
const worker = new PythonWorker({
  status: ({ text }) => setStatus(text),
  ready: ({ dataset }) => {
    showDataset(dataset);
    const { values, problems } = readSettings(Object.keys(SETTINGS));
    if (!problems.length) worker.send({ type: "describe", settings: values }); // the URL's model size
    if (saved) {
      setState("loading", "Restoring the trained model…");
      worker.send({ type: "restore", ...saved });
    } else {
      setState("ready", "Ready");
    }
  },
  described: ({ dataset }) => showDataset(dataset),
  trainStart: onTrainStart,
  progress: onProgress,
  trainEnd: onTrainEnd,
  saved: ({ checkpoint }) => (saved = { checkpoint, engine: run.engine }),
  restored: ({ step, engine }) => {
    trained = true;
    setState("ready", `Ready — restored the model trained for ${step} steps with the ${engine} engine`);
  },
  char: (message) => typewriter.push(message),
  nameEnd: (message) => typewriter.push(message),
  generateEnd: ({ seconds, stopped }) => {
    typewriter.whenDone(() => {
      if (state === "generating") setState("ready", `Ready — ${stopped ? "stopped; " : ""}sampled in ${formatSeconds(seconds)}`);
    });
  },
  error: ({ message, request }) => {
    showMessage(message);
    if (request !== "describe") setState("ready", "Ready"); // the failed action is over
  },
  onFailure: (text) => {
    setState("failed", `${text} Your settings are kept; restart Python to carry on.`);
    $("restart").hidden = false;
  },
});

function init() {
  const { values, problems } = settingsFromQuery(location.search);
  for (const [name, value] of Object.entries(values)) $(name).value = value;
  showMessage(problems.join("\n"));
  $("progress").textContent = `step 0 / ${values.steps}`;
  chart.reset(values.steps);
  $("train-form").addEventListener("submit", (event) => { event.preventDefault(); train(); });
  $("generate-form").addEventListener("submit", (event) => { event.preventDefault(); generate(); });
  $("stop").addEventListener("click", stop);
  $("share").addEventListener("click", share);
  $("restart").addEventListener("click", restart);
  for (const name of Object.keys(SETTINGS)) $(name).addEventListener("change", onSettingChange);
  setState("loading", "Starting…");
}

// Read and check the named settings from the form: {values, problems}.
function readSettings(names) {
  const values = {}, problems = [];
  for (const name of names) {
    const [value, why] = parseSetting(name, $(name).value);
    $(name).setAttribute("aria-invalid", why ? "true" : "false");
    if (why) problems.push(`${capitalize(SETTINGS[name].label)} ${why}.`);
    else values[name] = value;
  }
  if (!problems.length && "n_embd" in values) problems.push(...crossCheck(values));
  return { values, problems };
}

// The named settings if they are all valid; otherwise null, and the page says why.
function validSettings(names) {
  const { values, problems } = readSettings(names);
  showMessage(problems.join("\n"));
  return problems.length ? null : values;
}

function onSettingChange(event) {
  const all = validSettings(Object.keys(SETTINGS));
  if (!all) return;
  history.replaceState(null, "", `${location.pathname}${queryFromSettings(all)}`);
  if (state === "ready" && ["n_embd", "n_head", "n_layer", "block_size"].includes(event.target.name)) {
    worker.send({ type: "describe", settings: all });
  }
}

function train() {
  const settings = validSettings(TRAIN_SETTINGS);
  if (!settings || state !== "ready") return;
  chart.reset(settings.steps);
  showProgress(0, settings.steps, []);
  setState("training", "Training…");
  worker.send({ type: "train", settings });
}

function onTrainStart({ num_params, engine }) {
  run = { startedAt: performance.now(), engine };
  trained = false;
  showDataset({ ...dataset, num_params });
  setStatus(`Training with the ${engine} engine…`);
}

function onProgress({ step, num_steps, losses }) {
  chart.add(losses);
  showProgress(step, num_steps, losses, step / ((performance.now() - run.startedAt) / 1000));
}

function showProgress(step, numSteps, losses, rate) {
  $("progress").textContent = `step ${step} / ${numSteps}`;
  $("progress-bar").value = step / numSteps;
  $("loss").textContent = losses.length ? losses.at(-1).toFixed(4) : "—";
  $("speed").textContent = rate ? `${rate.toFixed(rate < 10 ? 1 : 0)} steps/s` : "";
  $("eta").textContent = rate && step < numSteps ? `ETA ${formatSeconds((numSteps - step) / rate)}` : "";
}

function onTrainEnd({ step, num_steps, stopped }) {
  trained = step > 0;
  if (trained) worker.send({ type: "save" });
  const took = formatSeconds((performance.now() - run.startedAt) / 1000);
  const what = stopped ? `stopped at step ${step} of ${num_steps}` : `trained ${step} steps in ${took}`;
  setState("ready", `Ready — ${what} with the ${run.engine} engine`);
}

function stop() {
  worker.send({ type: "stop" });
  if (state === "generating") typewriter.flush(); // names already sampled stop typing too
}

function generate() {
  const settings = validSettings(GENERATE_SETTINGS);
  if (!settings || state !== "ready" || !trained) return;
  typewriter.reset();
  setState("generating", "Generating…");
  worker.send({ type: "generate", settings });
}

function restart() {
  $("restart").hidden = true;
  trained = false;
  typewriter.reset();
  showMessage("");
  setState("loading", "Restarting Python…");
  worker.restart();
}

async function share() {
  const all = validSettings(Object.keys(SETTINGS));
  if (!all) return;
  const url = new URL(location.href);
  url.search = queryFromSettings(all);
  try {
    await navigator.clipboard.writeText(url.href);
    setStatus(`Link copied: ${url.href}`);
  } catch {
    window.prompt("Copy this link:", url.href);
  }
}

let dataset = null; // {docs, vocab_size, chars, num_params}
function showDataset(next) {
  dataset = next;
  $("dataset").textContent = `${dataset.docs.toLocaleString("en")} names · ${dataset.vocab_size} tokens ` +
    `(${dataset.vocab_size - 1} characters + end) · ${dataset.num_params.toLocaleString("en")} parameters`;
}

function setState(next, text) {
  state = next;
  const idle = state === "ready";
  $("train").disabled = !idle;
  $("generate").disabled = !idle || !trained;
  $("stop").disabled = !(state === "training" || state === "generating");
  for (const name of TRAIN_SETTINGS) $(name).disabled = state === "training";
  document.body.classList.toggle("busy", state === "loading" || state === "training" || state === "generating");
  setStatus(text);
}

function setStatus(text) {
  $("status").textContent = text;
}

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

const capitalize = (text) => text[0].toUpperCase() + text.slice(1);

function formatSeconds(seconds) {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

init();
