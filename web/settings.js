// The settings and the URL that shares them, in one table (as tensorflow/playground keeps its
// URL state). Their defaults and limits come from Python: build.py writes settings-table.js
// from py/microgpt/settings.py, so the page and the package cannot disagree.
// A link like ?steps=300&seed=7 reproduces a run; a bad value is reported and replaced.
import { DATASETS, LIMITS, SETTINGS as PYTHON_SETTINGS } from "./settings-table.js";

export { DATASETS, LIMITS };

// Python's settings, and the page's own: which dataset ("custom": yours, in the link's fragment).
export const SETTINGS = {
  ...PYTHON_SETTINGS,
  dataset: { kind: "str", default: Object.keys(DATASETS)[0], label: "dataset", choices: [...Object.keys(DATASETS), "custom"] },
};

// Each setting's form control, by data-testid (which is also its id).
export const FIELDS = {
  steps: "steps", seed: "seed", engine: "engine",
  n_embd: "n-embd", n_head: "n-head", n_layer: "n-layer", block_size: "block-size",
  temperature: "temperature", samples: "sample-count", sample_seed: "sample-seed", prefix: "prefix",
  sampling: "sampling-mode", top_k: "top-k", top_p: "top-p",
  dataset: "dataset-choice",
};

export const TRAIN_SETTINGS = ["steps", "seed", "engine", "n_embd", "n_head", "n_layer", "block_size"];
export const MODEL_SHAPE = ["n_embd", "n_head", "n_layer", "block_size"];
// (The link names those that differ from their defaults: a mode other than temperature, a k or a p changed.)
export const GENERATE_SETTINGS = ["samples", "temperature", "sample_seed", "prefix", "sampling", "top_k", "top_p"];

// Parse one raw value; return [value, null] or [null, why it is not valid]. An empty
// optional setting (one without a default) is null.
export function parseSetting(name, raw) {
  const spec = SETTINGS[name];
  const text = String(raw).trim();
  if (spec.default === null && text === "") return [null, null];
  if (spec.kind === "str" && !spec.choices.length) {
    return raw.length <= spec.max ? [raw, null] : [null, `must be at most ${spec.max} characters`];
  }
  if (spec.choices.length) {
    return spec.choices.includes(text) ? [text, null] : [null, `must be one of ${spec.choices.join(", ")}`];
  }
  const pattern = spec.kind === "int" ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const value = Number(text);
  const range = `${spec.min} to ${spec.max}`;
  if (!pattern.test(text) || !Number.isFinite(value)) {
    return [null, spec.kind === "int" ? `must be a whole number from ${range}` : `must be a number from ${range}`];
  }
  if (value < spec.min || value > spec.max) return [null, `must be from ${range}`];
  return [value, null];
}

// Checks that need two settings at once.
export function crossCheck(values) {
  if (values.n_embd % values.n_head !== 0) {
    return [`Embedding width (${values.n_embd}) must be divisible by heads (${values.n_head}).`];
  }
  return [];
}

// A default as a message names it: nothing ("" or null) is "none".
const describeDefault = (value) => (value === null || value === "" ? "none" : value);

// Settings from a URL query: every known key is validated; a bad one falls back to its
// default with a message. Unknown keys are ignored.
export function settingsFromQuery(search) {
  const params = new URLSearchParams(search);
  const values = {};
  const problems = [];
  for (const [name, spec] of Object.entries(SETTINGS)) {
    values[name] = spec.default;
    if (!params.has(name)) continue;
    const [value, why] = parseSetting(name, params.get(name));
    if (why) problems.push(`${name}=${shorten(params.get(name))} ${why}; using ${describeDefault(spec.default)}.`);
    else values[name] = value;
  }
  for (const why of crossCheck(values)) {
    problems.push(`${why} Using the default model shape.`);
    for (const name of ["n_embd", "n_head"]) values[name] = SETTINGS[name].default;
  }
  return { values, problems };
}

// The query for these values, naming only those that differ from the defaults.
export function queryFromSettings(values) {
  const params = new URLSearchParams();
  for (const [name, spec] of Object.entries(SETTINGS)) {
    if (name in values && values[name] !== spec.default) params.set(name, values[name]);
  }
  const query = params.toString();
  return query ? `?${query}` : "";
}

// The form's raw text for each named setting, read and checked: {values, problems}.
export function readSettings(raw, names) {
  const values = {}, problems = [], invalid = [];
  for (const name of names) {
    const [value, why] = parseSetting(name, raw[name]);
    if (why) {
      problems.push(`${capitalize(SETTINGS[name].label)} ${why}.`);
      invalid.push(name);
    } else {
      values[name] = value;
    }
  }
  if (!problems.length && names.includes("n_embd")) problems.push(...crossCheck(values));
  return { values, problems, invalid };
}

const capitalize = (text) => text[0].toUpperCase() + text.slice(1);

// A value from a link, cut short: a link can hold thousands of characters.
const shorten = (text) => (text.length > 24 ? `${text.slice(0, 20)}…` : text);
