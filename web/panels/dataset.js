// The dataset: a built-in one, pasted text or an uploaded file (or one dropped on the page), and
// the report on it before training. Everything is read by Python, as the CLI reads a file.
import { datasetLabel } from "../actions/datasets.js";
import { field } from "../form.js";
import { DATASETS, LIMITS } from "../settings.js";
import { runOf } from "../state.js";

const $ = (id) => document.getElementById(id);

export function mountDataset(store, app, readShape) {
  const choice = field("dataset");
  for (const [name, { title }] of Object.entries(DATASETS)) choice.add(new Option(title, name));
  choice.add(new Option("Your own: paste or upload", "custom"));

  // The chooser shows the dataset that will train: a refused one (say, a built-in dataset that
  // can't be downloaded offline) puts it back to the one kept.
  const showChoice = (source) => {
    choice.value = source.kind === "builtin" ? source.name : "custom";
    $("dataset-own").hidden = source.kind !== "custom";
  };
  choice.addEventListener("change", async () => {
    $("dataset-own").hidden = choice.value !== "custom";
    if (choice.value === "custom") return;
    const taken = await app.useDataset({ kind: "builtin", name: choice.value }, readShape());
    if (!taken && store.state.dataset) showChoice(store.state.dataset.source);
  });
  $("dataset-use").addEventListener("click", () => {
    const text = $("dataset-text").value;
    app.useDataset({ kind: "custom", bytes: new TextEncoder().encode(text), label: "your text" }, readShape());
  });
  $("dataset-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = ""; // the same file again is a new choice
    if (file) await useFile(file);
  });

  async function useFile(file) {
    if (file.size > LIMITS.MAX_DATA_BYTES) {
      return store.update({ message: `${file.name} is larger than ${LIMITS.MAX_DATA_BYTES / 2 ** 20} MB, the ` +
        "limit for a dataset. The dataset you had is kept." });
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (await app.useDataset({ kind: "custom", bytes, label: file.name }, readShape())) {
      choice.value = "custom";
      $("dataset-own").hidden = false;
    }
  }

  // Drop a file anywhere: a model (.json) opens, anything else is a dataset.
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer.types.includes("Files")) return;
    depth++;
    document.body.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => {
    if (--depth <= 0) document.body.classList.remove("dragging");
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", async (event) => {
    event.preventDefault();
    depth = 0;
    document.body.classList.remove("dragging");
    const [file] = event.dataTransfer.files;
    if (!file || store.state.phase !== "ready") return;
    if (/\.json$/i.test(file.name)) app.openModel(await file.text(), field("engine").value, file.name);
    else useFile(file);
  });

  store.subscribe((state, previous) => {
    for (const control of [choice, $("dataset-use"), $("dataset-file"), $("dataset-text")]) {
      control.disabled = state.phase !== "ready";
    }
    if (state.dataset?.source !== previous?.dataset?.source && state.dataset) {
      const { source } = state.dataset;
      showChoice(source);
      $("dataset-credit").textContent = source.kind === "builtin" ? `Source: ${DATASETS[source.name].credit}.` : "";
    }
    if (state.dataset?.report !== previous?.dataset?.report || runOf(state)?.settings !== (previous && runOf(previous)?.settings)) {
      showReport(state.dataset, Number(field("block_size").value) || 8);
    }
  });
}

// What reading the dataset found, in plain words, one point per line.
function showReport(dataset, blockSize) {
  const list = $("dataset-report");
  if (!dataset?.report) return list.replaceChildren();
  const r = dataset.report;
  const longer = r.lengths.slice(blockSize + 1).reduce((a, b) => a + b, 0);
  const points = [
    [`${datasetLabel(dataset.source)}: ${r.docs.toLocaleString("en")} lines, ${kilobytes(r.bytes)}`],
    [`${r.vocab_size - 1} characters: ${visible(r.chars)}`],
    [`The longest line has ${[...r.longest].length} characters: “${clip(r.longest)}”`],
    longer ? [`${longer.toLocaleString("en")} lines are longer than the block size (${blockSize}): the model only ` +
      `sees their first ${blockSize} characters`, "warn"] : null,
    r.duplicates ? [`${r.duplicates.toLocaleString("en")} duplicate lines (kept: each is a document)`] : null,
    r.blank_lines ? [`${r.blank_lines.toLocaleString("en")} blank lines dropped`] : null,
    r.bom ? ["A byte-order mark at the start, dropped"] : null,
    r.crlf ? [`Windows line ends (CRLF) on ${r.crlf.toLocaleString("en")} lines, read as plain line ends`] : null,
    r.tabs ? [`Tabs in ${r.tabs.toLocaleString("en")} lines, kept as characters`, "warn"] : null,
    r.invisible.length ? [`Invisible or control characters: ${r.invisible.join(", ")}`, "warn"] : null,
    r.combining ? [`Combining marks (accents written as their own character) in ${r.combining.toLocaleString("en")} lines`] : null,
    r.symbols ? [`Symbols and emoji: ${r.symbols}`] : null,
  ].filter(Boolean);
  list.replaceChildren(...points.map(([text, kind]) => {
    const item = document.createElement("li");
    item.textContent = text;
    if (kind) item.className = kind;
    return item;
  }));
}

const kilobytes = (bytes) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`);
const clip = (text) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);
// The characters, with the ones that don't show named.
const visible = (chars) => [...chars].map((ch) => (ch === " " ? "␣" : ch === "\t" ? "⇥" : /\p{C}/u.test(ch) ? `U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}` : ch)).join(" ");
