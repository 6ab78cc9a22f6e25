// The runs to compare: the last runs' loss curves drawn together on the loss chart, each
// labelled by how its settings differ from the others'. Any of them can be hidden or removed.
import { datasetLabel } from "../actions/datasets.js";
import { MAX_RUNS } from "../actions/training.js";
import { WINDOW } from "../widgets/chart.js";

const $ = (id) => document.getElementById(id);

// Colours that read on the light and the dark background alike; the current run is the accent.
const PALETTE = ["#e07b39", "#2a9d8f", "#d1495b", "#3a86ff", "#8a9a1b", "#b5179e", "#6c757d", "#c9a227"];
export const runColor = (id) => PALETTE[id % PALETTE.length];

// What a run's label can mention, and how.
const LABELS = { dataset: "", steps: "steps", seed: "seed", engine: "", n_embd: "n_embd", n_head: "heads",
                 n_layer: "layers", block_size: "block" };

export function mountRuns(store, app, chart) {
  const list = $("runs");
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) app.changeRun(Number(button.closest("li").dataset.id), button.dataset.action);
  });
  $("runs-note").textContent = `The last ${MAX_RUNS} runs are kept (with your model, in this browser).`;

  let shown = null; // what the list shows: redrawn when it changes, not at every step of a run
  store.subscribe((state) => {
    const current = state.run?.id;
    const curves = state.runs.filter((run) => run.losses.length || (run.id === current && state.phase === "training"));
    const key = JSON.stringify([curves.map((run) => [run.id, run.hidden]), current, state.phase]);
    if (key === shown) return;
    shown = key;
    const others = curves.filter((run) => run.id !== current && !run.hidden)
      .map((run) => ({ id: run.id, color: runColor(run.id), losses: run.losses }));
    chart.setRuns(others, !curves.find((run) => run.id === current)?.hidden);
    const labels = runLabels(curves);
    list.replaceChildren(...curves.map((run, i) => {
      const item = document.createElement("li");
      item.dataset.testid = "run";
      item.dataset.id = run.id;
      item.classList.toggle("hidden-run", run.hidden);
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = run.id === current ? "var(--accent)" : runColor(run.id);
      const label = document.createElement("span");
      label.dataset.testid = "run-label";
      label.textContent = labels[i] + (run.id === current ? " (this run)" : "");
      const finalLoss = run.losses.length ? ` · loss ${mean(run.losses.slice(-WINDOW)).toFixed(3)}` : "";
      label.title = `${run.losses.length} steps${finalLoss}`;
      item.append(swatch, label, button(run.hidden ? "show" : "hide", "toggle", run.hidden ? "run-show" : "run-hide"),
                  button("remove", "remove", "run-remove"));
      item.querySelector('[data-action="remove"]').disabled = run.id === current; // (it holds the model's settings)
      return item;
    }));
  });
}

function button(text, action, testid) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "small";
  element.textContent = text;
  element.dataset.action = action;
  element.dataset.testid = testid;
  return element;
}

// Each run's label: the settings in which the runs differ, with its values ("seed 7 · n_embd
// 32"); where none differ, its number.
export function runLabels(runs) {
  const value = (run, key) => (key === "dataset" ? datasetLabel(run.source) : run.settings[key]);
  const differing = Object.keys(LABELS).filter((key) => new Set(runs.map((run) => value(run, key))).size > 1);
  return runs.map((run, i) => differing.length
    ? differing.map((key) => `${LABELS[key]} ${value(run, key)}`.trim()).join(" · ")
    : `run ${i + 1}${runs.length > 1 ? " (same settings)" : ""}`);
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
