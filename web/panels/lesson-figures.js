// The lesson's figures of Python's numbers (state.lesson.data, from py/microgpt/lesson.py): the
// turns, the KV cache, the query against the keys, the costs with and without the cache, BOS's
// probability, the loop run on past BOS, the gradients' cost, temperatures and sampling choices.
import { quoteToken, shortToken } from "../format.js";

const $ = (id) => document.getElementById(id);

export function showData(data, inside) {
  const turns = inside?.turn ? data?.turns ?? [] : [];
  showModelFacts(data);
  showTurns(turns);
  showCache(inside?.turn ? data : null);
  showBos(turns);
  showTemperatures(inside?.turn ? data?.temperatures : null, data?.tokens);
  showChoices(inside?.turn ? data?.choices : null, data?.tokens);
}

function showModelFacts(data) {
  const params = $("lesson-params"), steps = $("lesson-steps");
  params.textContent = data ? data.num_params.toLocaleString("en") : "…";
  steps.textContent = data ? data.steps_trained.toLocaleString("en") : "…";
  if (data) Object.assign($("lesson").dataset, { numParams: data.num_params, stepsTrained: data.steps_trained });
  $("lesson-model").textContent = data ? `This model: ${data.num_params.toLocaleString("en")} parameters, trained ` +
    `${data.steps_trained} of ${data.num_steps} steps with the ${data.engine} engine; an embedding of ${data.n_embd} ` +
    `numbers per token.` : "No model yet: one will be here as soon as Python is ready.";
}

function showTurns(turns) {
  $("ar-turns").replaceChildren(...turns.map((turn) => {
    const item = document.createElement("li");
    Object.assign(item.dataset, { testid: "ar-turn", pos: turn.pos, input: turn.input, output: turn.output });
    const input = chip(shortToken(turn.input), "ar-in");
    const output = chip(shortToken(turn.output), turn.output === "BOS" ? "ar-out ar-end" : "ar-out");
    const pos = document.createElement("span");
    pos.className = "muted";
    pos.textContent = `position ${turn.pos}`;
    item.append(pos, input, " → model → ", output);
    item.setAttribute("aria-label", `position ${turn.pos}: reads ${quoteToken(turn.input)}, ` +
      `${turn.forced ? "given" : "draws"} ${quoteToken(turn.output)}`);
    return item;
  }));
}

function chip(text, className) {
  const span = document.createElement("span");
  span.className = `chip ${className}`;
  span.textContent = text;
  return span;
}

function showCache(data) {
  const vectors = $("kv-vectors"), scores = $("kv-scores"), costs = $("kv-costs");
  if (!data?.kv) {
    vectors.replaceChildren();
    scores.replaceChildren();
    costs.replaceChildren();
    return;
  }
  const inputs = data.turns.map((turn) => turn.input);
  const largest = Math.max(...data.kv.flatMap((vector) => vector.values.map(Math.abs)), 1e-12);
  const layers = [...new Set(data.kv.map((vector) => vector.layer))];
  vectors.replaceChildren(...layers.map((layer) => {
    const table = document.createElement("div");
    table.className = "kv-layer";
    const caption = document.createElement("p");
    caption.className = "muted";
    caption.textContent = `layer ${layer}: key | value, a row per position`;
    table.append(caption);
    for (let pos = 0; pos < inputs.length; pos++) {
      const row = document.createElement("div");
      row.className = "kv-vector-row";
      const label = document.createElement("span");
      label.className = "kv-pos";
      label.textContent = `${pos} ${shortToken(inputs[pos])}`;
      row.append(label);
      for (const kind of ["key", "value"]) {
        const vector = data.kv.find((v) => v.layer === layer && v.pos === pos && v.kind === kind);
        if (vector) row.append(strip(vector, inputs[pos], largest));
      }
      table.append(row);
    }
    return table;
  }));
  scores.replaceChildren(...data.scores.map((heads, layer) => scoreTable(layer, heads, data.attention[layer], inputs)));
  costTable(costs, data.costs);
}

// A vector as a strip of colours, a cell per number (hue: the sign, strength: the size).
function strip(vector, token, largest) {
  const box = document.createElement("span");
  Object.assign(box.dataset, { testid: "kv-vector", layer: vector.layer, pos: vector.pos, kind: vector.kind,
                               values: JSON.stringify(vector.values) });
  box.className = `kv-strip ${vector.kind}`;
  box.tabIndex = 0;
  const numbers = vector.values.map((x) => x.toFixed(3)).join(", ");
  const about = `layer ${vector.layer}, position ${vector.pos} (${quoteToken(token)}), ${vector.kind}: [${numbers}]`;
  box.title = about;
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", about);
  for (const x of vector.values) {
    const cell = document.createElement("i");
    cell.className = x < 0 ? "neg" : "pos";
    cell.style.setProperty("--v", (Math.abs(x) / largest).toFixed(3));
    box.append(cell);
  }
  const show = () => ($("kv-readout").textContent = about);
  box.addEventListener("mouseenter", show);
  box.addEventListener("focus", show);
  return box;
}

function scoreTable(layer, heads, weights, inputs) {
  const table = document.createElement("table");
  table.className = "score-table";
  table.createCaption().textContent = `layer ${layer}: the query of position ${inputs.length - 1} against each key`;
  const head = table.createTHead().insertRow();
  for (const text of ["head", ...inputs.map((token, pos) => `${pos} ${shortToken(token)}`)]) head.insertCell().textContent = text;
  const body = table.createTBody();
  heads.forEach((scores, h) => {
    const row = body.insertRow();
    Object.assign(row.dataset, { testid: "kv-score", layer, head: h, scores: JSON.stringify(scores),
                                 weights: JSON.stringify(weights[h]) });
    row.insertCell().textContent = `${h}`;
    scores.forEach((score, pos) => {
      const cell = row.insertCell();
      cell.className = "weight";
      cell.style.setProperty("--w", weights[h][pos]);
      cell.textContent = `${score.toFixed(2)} → ${weights[h][pos].toFixed(2)}`;
      cell.title = `score ${score} → attention weight ${weights[h][pos]}`;
    });
  });
  return table;
}

function costTable(table, costs) {
  table.replaceChildren();
  table.createCaption().textContent = "Multiply-adds at each position";
  const head = table.createTHead().insertRow();
  for (const text of ["position", "with the cache", "without", "", "same logits"]) head.insertCell().textContent = text;
  const largest = Math.max(...costs.map((row) => row.without));
  const body = table.createTBody();
  for (const cost of costs) {
    const row = body.insertRow();
    Object.assign(row.dataset, { testid: "kv-cost", pos: cost.pos, with: cost.with, without: cost.without,
                                 sameLogits: cost.same_logits });
    row.insertCell().textContent = cost.pos;
    row.insertCell().textContent = cost.with.toLocaleString("en");
    row.insertCell().textContent = cost.without.toLocaleString("en");
    const bars = row.insertCell();
    bars.className = "cost-bars";
    for (const [value, kind] of [[cost.with, "with"], [cost.without, "without"]]) {
      const bar = document.createElement("span");
      bar.className = `cost-bar ${kind}`;
      bar.style.width = `${(100 * value) / largest}%`;
      bars.append(bar);
    }
    row.insertCell().textContent = cost.same_logits ? "✓ identical" : "✗ differ";
  }
}

function showBos(turns) {
  $("bos-probs").replaceChildren(...turns.map((turn) => {
    const item = document.createElement("li");
    Object.assign(item.dataset, { testid: "bos-prob", pos: turn.pos, prob: turn.bos_prob });
    const label = document.createElement("span");
    label.textContent = `${turn.pos} ${shortToken(turn.input)}`;
    const bar = document.createElement("span");
    bar.className = "bos-bar";
    bar.style.width = `${Math.max(0.5, 100 * turn.bos_prob)}%`;
    const value = document.createElement("span");
    value.textContent = `${(100 * turn.bos_prob).toFixed(1)}%${turn.output === "BOS" ? " — drawn: the name ends" : ""}`;
    item.append(label, bar, value);
    return item;
  }));
}

export function showRunOn(runOn) {
  const box = $("run-on");
  for (const key of ["name", "length"]) delete box.dataset[key];
  if (!runOn) return (box.textContent = "");
  Object.assign(box.dataset, { name: runOn.name, length: [...runOn.name].length });
  const most = Math.max(...runOn.turns.map((turn) => turn.bos_prob));
  box.textContent = `Ignoring BOS, the loop wrote "${runOn.name}": ${[...runOn.name].length} characters, the whole ` +
    `block. BOS was never taken, though it had up to ${(100 * most).toFixed(1)}% at a position.`;
}

export function showGradCost(cost) {
  const box = $("grad-cost");
  for (const key of ["forwardMs", "backwardMs", "engine", "graphNodes"]) delete box.dataset[key];
  if (!cost) return (box.textContent = "Measuring…");
  Object.assign(box.dataset, { forwardMs: cost.forward_ms, backwardMs: cost.backward_ms, engine: cost.engine });
  if (cost.graph_nodes !== undefined) box.dataset.graphNodes = cost.graph_nodes;
  box.textContent = `On "${cost.doc}", with the ${cost.engine} engine: the forward pass alone takes ` +
    `${cost.forward_ms.toFixed(2)} ms; forward and backward, as a training step needs, ${cost.backward_ms.toFixed(2)} ms ` +
    `(${(cost.backward_ms / cost.forward_ms).toFixed(1)}× as long).` +
    (cost.graph_nodes !== undefined ? ` The forward pass built ${cost.graph_nodes.toLocaleString("en")} graph nodes ` +
      "(Values), every one of which backward() would visit." : "");
}

function showTemperatures(table, tokens) {
  const box = $("temperatures");
  if (!table) return box.replaceChildren();
  box.replaceChildren(...table.map(({ temperature, probs, entropy }) => {
    const figure = distribution(probs, tokens, `T = ${temperature}: entropy ${entropy.toFixed(2)} bits`);
    Object.assign(figure.dataset, { testid: "temp-dist", temperature, entropy, probs: JSON.stringify(probs) });
    return figure;
  }));
}

// The same probabilities, as each way of drawing keeps them (sampler.filtered).
function showChoices(choices, tokens) {
  const box = $("sampling-choices");
  if (!choices) return box.replaceChildren();
  const names = { temperature: () => "all kept (the default)", greedy: () => "greedy",
                  "top-k": (choice) => `top-k, k = ${choice.top_k}`, "top-p": (choice) => `top-p, p = ${choice.top_p}` };
  box.replaceChildren(...choices.map((choice) => {
    const kept = choice.probs.filter((p) => p > 0).length;
    const figure = distribution(choice.probs, tokens, `${names[choice.sampling](choice)}: ${kept} token${kept === 1 ? "" : "s"} kept`);
    Object.assign(figure.dataset, { testid: "sampling-choice", sampling: choice.sampling, probs: JSON.stringify(choice.probs) });
    return figure;
  }));
}

// A distribution as a row of columns, a column per token, with its three likeliest tokens named.
function distribution(probs, tokens, title) {
  const figure = document.createElement("figure");
  figure.className = "distribution";
  const bars = document.createElement("div");
  bars.className = "dist-bars";
  bars.setAttribute("aria-hidden", "true");
  const top = Math.max(...probs);
  for (const p of probs) {
    const bar = document.createElement("span");
    bar.style.height = `${(100 * p) / top}%`;
    bars.append(bar);
  }
  const caption = document.createElement("figcaption");
  const likeliest = probs.map((p, i) => [p, i]).filter(([p]) => p > 0).sort((a, b) => b[0] - a[0]).slice(0, 3)
    .map(([p, i]) => `${shortToken(tokens[i])} ${(100 * p).toFixed(0)}%`).join(", ");
  caption.textContent = `${title}; likeliest: ${likeliest}`;
  figure.append(bars, caption);
  return figure;
}
