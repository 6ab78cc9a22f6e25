// The Lab card: the generation loop in an editor (CodeMirror, loaded only when the lab is opened),
// run on the model with Run, stopped with Stop, reset, diffed, loaded from and saved to .py files,
// and exported as a script that runs with plain python3.
import { lineDiff } from "../diff.js";
import { readForm } from "../form.js";
import { GENERATE_SETTINGS, MODEL_SHAPE } from "../settings.js";
import { Typewriter } from "../widgets/typewriter.js";

const $ = (id) => document.getElementById(id);
const EDITOR_URL = new URL("../lab/editor.js", import.meta.url);
const MAX_FILE_BYTES = 100_000; // a loop is a few hundred; as Python's lab.MAX_SOURCE

// The lab's names: each typed out, with the original loop's name for the same draws beside it.
class LabTypewriter extends Typewriter {
  show({ sample, char, name, original }) {
    let item = this.list.children[sample];
    if (!item) {
      item = document.createElement("li");
      item.dataset.testid = "lab-sample";
      item.className = "typing";
      item.append(document.createElement("span"));
      this.list.append(item);
    }
    if (char !== undefined) {
      item.firstChild.textContent += char;
      return true;
    }
    item.classList.remove("typing");
    Object.assign(item.dataset, { name, original, same: String(name === original) });
    const beside = document.createElement("span");
    beside.className = "original muted";
    beside.textContent = name === original ? "same as the original" : `original: ${original}`;
    item.append(beside);
    return false;
  }
}

export function mountLab(store, app) {
  const typewriter = new LabTypewriter($("lab-samples"), () => Math.max(0, Number($("pace").value) || 0));
  let editor = null; // CodeMirror, once loaded (or a plain text area where it can't load)

  const settings = () => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) store.update({ message: problems.join("\n") });
    return problems.length ? null : values;
  };
  const readShape = () => {
    const shape = readForm(MODEL_SHAPE);
    return shape.problems.length ? null : shape.values;
  };

  async function open() {
    $("lab-open").disabled = true;
    const started = performance.now();
    await app.labOpen();
    if (!store.state.lab.open) return ($("lab-open").disabled = false);
    $("lab-body").hidden = false;
    $("lab-open").hidden = true;
    editor = await loadEditor(store.state.lab.source, (text) => app.labEdit(text));
    $("lab").dataset.editorMs = (performance.now() - started).toFixed(0); // (for tools/bench.py)
    $("lab").dataset.editor = editor.kind;
  }
  $("lab-open").addEventListener("click", open);
  $("lab-run").addEventListener("click", () => {
    const values = settings();
    if (values && store.state.phase === "ready" && store.state.model) app.labRun(values, typewriter);
  });
  $("lab-stop").addEventListener("click", async () => {
    const started = performance.now();
    await app.labStop(typewriter, readShape());
    $("lab").dataset.stopMs = (performance.now() - started).toFixed(0); // (from Stop to Ready: for the benchmark)
  });
  $("lab-reset").addEventListener("click", () => app.labEdit(store.state.lab.original));
  $("lab-preset").addEventListener("change", () => {
    const name = $("lab-preset").value;
    if (name) app.labPreset(name);
    $("lab-preset").value = "";
  });
  $("lab-file").addEventListener("change", () => {
    const [file] = $("lab-file").files;
    if (file) openFile(file);
    $("lab-file").value = "";
  });
  $("lab-editor").addEventListener("dragover", (event) => event.preventDefault());
  $("lab-editor").addEventListener("drop", (event) => {
    const [file] = event.dataTransfer?.files ?? [];
    if (!file) return;
    event.preventDefault();
    event.stopPropagation(); // (not a dataset or a model, as a drop elsewhere on the page would be)
    openFile(file);
  });
  $("lab-download").addEventListener("click", () => save(store.state.lab.source, "microgpt-loop.py"));
  $("lab-script").addEventListener("click", async () => {
    const values = settings();
    const text = values && (await app.labScript(values));
    if (text) save(text, `microgpt-names-seed${values.sample_seed ?? 1}.py`);
  });

  async function openFile(file) {
    if (!/\.py$/i.test(file.name) || file.size > MAX_FILE_BYTES) {
      return store.update({ message: `${file.name} can't be opened in the lab: it takes a .py file of at most ` +
        `${MAX_FILE_BYTES / 1000} kB. Your edit is kept.` });
    }
    try {
      app.labEdit(new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer()));
    } catch {
      store.update({ message: `${file.name} is not UTF-8 text. Your edit is kept.` });
    }
  }

  store.subscribe((state, previous) => {
    const { lab, phase, model } = state;
    if (lab.fromLink && !lab.open && !previous?.lab.open && $("lab-open").disabled === false && phase === "ready") open();
    $("lab-from-link").hidden = !lab.fromLink;
    $("lab").dataset.stoppedBy = lab.stoppedBy ?? ""; // how the last Stop landed: interrupt, stop or restart
    $("lab-run").disabled = phase !== "ready" || !model || !lab.open;
    $("lab-stop").disabled = !lab.running;
    for (const id of ["lab-reset", "lab-preset", "lab-download", "lab-script"]) $(id).disabled = !lab.open || lab.running;
    if (editor && lab.source !== null && lab.source !== editor.text()) editor.setText(lab.source);
    if (editor && lab.error !== previous?.lab.error) editor.mark(lab.error?.line ?? null);
    showOutput(lab);
    if (lab.source !== previous?.lab.source || lab.original !== previous?.lab.original) showDiff(lab);
    const same = lab.names.filter((entry) => entry.name === entry.original).length;
    $("lab-agree").textContent = lab.names.length ? `${same} of ${lab.names.length} names are the original loop's.` : "";
    $("lab-agree").dataset.same = same;
  });
}

// CodeMirror from dist/lab/editor.js; where it can't be loaded, a plain text area does the job.
async function loadEditor(text, onChange) {
  const parent = $("lab-editor");
  try {
    const { createEditor } = await import(EDITOR_URL.href);
    return { kind: "codemirror", ...createEditor(parent, text, onChange) };
  } catch (error) {
    console.warn(`microgpt: the code editor could not be loaded (${error.message}); using a plain text area.`);
    const area = document.createElement("textarea");
    Object.assign(area, { value: text, spellcheck: false, rows: 24 });
    area.setAttribute("aria-label", "The generation loop, editable");
    area.addEventListener("input", () => onChange(area.value));
    parent.replaceChildren(area);
    return { kind: "textarea", text: () => area.value, setText: (value) => (area.value = value), mark() {} };
  }
}

function showOutput({ output, error }) {
  const box = $("lab-output");
  box.textContent = output + (error ? `${output && !output.endsWith("\n") ? "\n" : ""}${error.trace || ""}` +
    `${error.message}\n` : "");
  box.classList.toggle("failed", Boolean(error));
  if (error) box.dataset.line = error.line ?? "";
  else delete box.dataset.line;
}

function showDiff({ source, original }) {
  const box = $("lab-diff");
  if (source === null || original === null) return box.replaceChildren();
  const lines = lineDiff(original, source);
  const changed = lines.filter((line) => line.kind !== " ").length;
  box.dataset.changed = changed;
  if (!changed) return (box.textContent = "No changes: this is the original loop.");
  box.replaceChildren(...lines.filter((line, i) => line.kind !== " " || near(lines, i)).map((line) => {
    const span = document.createElement("span");
    span.className = { "+": "added", "-": "removed", " ": "kept" }[line.kind];
    span.textContent = `${line.kind} ${line.text}\n`;
    return span;
  }));
}

// A kept line is shown when it is within two lines of a change (context, as diff -u gives).
const near = (lines, i) => lines.slice(Math.max(0, i - 2), i + 3).some((line) => line.kind !== " ");

function save(text, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/x-python" }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}
