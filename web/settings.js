// The settings: their defaults, their limits, and the URL query that shares them.
// A link like ?steps=300&seed=7 reproduces a run; a bad value is reported and replaced.

export const SETTINGS = {
  steps: { kind: "int", default: 500, min: 1, max: 20000, label: "training steps" },
  seed: { kind: "int", default: 42, min: 0, max: 2 ** 31 - 1, label: "seed" },
  temperature: { kind: "float", default: 0.5, min: 0.01, max: 5, label: "temperature" },
  samples: { kind: "int", default: 20, min: 1, max: 200, label: "number of names" },
  block_size: { kind: "int", default: 8, min: 1, max: 32, label: "block size" },
  n_embd: { kind: "int", default: 16, min: 1, max: 64, label: "embedding width" },
  n_head: { kind: "int", default: 4, min: 1, max: 16, label: "heads" },
  n_layer: { kind: "int", default: 1, min: 1, max: 4, label: "layers" },
  engine: { kind: "choice", default: "fast", choices: ["fast", "reference"], label: "engine" },
};

// Parse one raw value; return [value, null] or [null, why it is not valid].
export function parseSetting(name, raw) {
  const spec = SETTINGS[name];
  const text = String(raw).trim();
  if (spec.kind === "choice") {
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
    return [`embedding width (${values.n_embd}) must be divisible by heads (${values.n_head})`];
  }
  return [];
}

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
    if (why) problems.push(`${name}=${params.get(name)} ${why}; using ${spec.default}.`);
    else values[name] = value;
  }
  for (const why of crossCheck(values)) {
    problems.push(`${why}; using the default model shape.`);
    for (const name of ["n_embd", "n_head"]) values[name] = SETTINGS[name].default;
  }
  return { values, problems };
}

// The query for these values, naming only those that differ from the defaults.
export function queryFromSettings(values) {
  const params = new URLSearchParams();
  for (const [name, spec] of Object.entries(SETTINGS)) {
    if (values[name] !== spec.default) params.set(name, values[name]);
  }
  const query = params.toString();
  return query ? `?${query}` : "";
}
