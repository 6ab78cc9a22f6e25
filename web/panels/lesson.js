// The lesson card: how a GPT writes a name, a section at a time, each showing live what it
// says. The numbers come from Python (state.lesson.data: py/microgpt/lesson.py) and from Look
// inside's turn (state.inside): the lesson steps the same name with the same actions.
import { NEEDS_A_NAME, SECTIONS, modelKey } from "../actions/lesson.js";
import { readForm } from "../form.js";
import { quoteToken, shortToken } from "../format.js";
import { latestOnly } from "../latest.js";
import { GENERATE_SETTINGS } from "../settings.js";
import { LoopCode, stepsRun } from "../widgets/loop-code.js";

const $ = (id) => document.getElementById(id);
const LESSON_SEED = 1; // the sampling seed of the lesson's names, when the Generate card has none
const SVG = "http://www.w3.org/2000/svg";

// The sections whose words need Python's numbers (the others draw from Look inside's turn).
const USES_DATA = new Set(["training-to-generation", "autoregressive", "kv-cache", "stopping", "sampling"]);

// The flowchart: each step of the loop as a box, [step, label, x, y, width].
const FLOW = [
  ["start", "start from BOS", 60, 10, 160],
  ["model", "the model: logits", 60, 70, 160],
  ["temperature", "÷ temperature", 60, 130, 160],
  ["softmax", "softmax: probabilities", 60, 190, 160],
  ["draw", "draw a token", 60, 250, 160],
  ["stop-check", "is it BOS?", 60, 310, 160],
  ["done", "done", 250, 310, 80],
  ["append", "append it, feed it in", 60, 380, 160],
];
const BOX_HEIGHT = 36;
// The arrows between them: [from the bottom of a box to the top of the next], then the two
// branches of the check and the way back to the model.
const ARROWS = ["M140,46 V70", "M140,106 V130", "M140,166 V190", "M140,226 V250", "M140,286 V310",
  "M220,328 H250", "M140,346 V380", "M60,398 H30 V88 H60"];
const ARROW_LABELS = [["yes", 226, 322], ["no", 146, 366]];

// The glossary: each term, what it means here, and the element of the page that shows it.
const TERMS = [
  ["inference", "Running a trained model forward to get predictions, with its parameters fixed.", "inside"],
  ["autoregressive", "Generating one token at a time, each drawn token fed back in as the next input.", "ar-turns"],
  ["token", "The unit the model reads and writes: here one character, or BOS.", "dist"],
  ["BOS", "Beginning of sequence: the token every name starts from, and the one that ends it when drawn.", "bos-probs"],
  ["logits", "The model's raw score for every possible next token.", "dist"],
  ["softmax", "Turns scores into probabilities that are positive and sum to 1.", "temperatures"],
  ["temperature", "What the logits are divided by before softmax: below 1 sharpens, above 1 flattens.", "inside-temperature"],
  ["sampling", "Drawing the next token at random, each with its probability.", "samples"],
  ["KV cache", "The keys and values of the positions read so far, kept so they are not computed again.", "kv-vectors"],
  ["stopping condition", "When the loop ends: it drew BOS, or the name filled the block.", "learn-stopping"],
  ["attention", "How a position mixes the values of the positions before it, weighted by query-key match.", "attention"],
  ["entropy", "How spread out a distribution is, in bits: 0 when one token is certain.", "temperatures"],
];

export function mountLesson(store, app) {
  const loopCode = new LoopCode($("lesson-loop"));
  const flowCode = new LoopCode($("flow-code"));
  const boxes = drawFlowchart(app);
  fillGlossary();
  const refresh = latestOnly(() => app.lessonRefresh());
  let autoStarted = null; // the section and model a name was last started for

  const go = (offset) => {
    const at = SECTIONS.indexOf(store.state.lesson.section);
    app.lessonGo(SECTIONS[Math.min(SECTIONS.length - 1, Math.max(0, at + offset))]);
  };
  $("lesson-prev").addEventListener("click", () => go(-1));
  $("lesson-next").addEventListener("click", () => go(1));
  $("lesson").addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "ArrowLeft") go(-1);
    else if (event.key === "ArrowRight") go(1);
    else return;
    event.preventDefault(); // (and Look inside leaves the arrow to the lesson)
  });
  // A link to an element of a hidden section opens that section first.
  $("lesson").addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(link.getAttribute("href").slice(1));
    const section = target?.closest("[data-testid=lesson-section]");
    if (!section) return;
    event.preventDefault();
    app.lessonGo(section.dataset.section);
    target.scrollIntoView({ block: "center" });
    (target.matches("[tabindex], a, button, input") ? target : section).focus({ preventScroll: true });
  });

  const startName = async (turns) => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) return store.update({ message: problems.join("\n") });
    app.setPlaying(false);
    // (with a seed of its own when the form has none: the run's stream stays microgpt.py's for Generate)
    await app.inspect({ ...values, sample_seed: values.sample_seed ?? LESSON_SEED });
    await runTurns(turns);
  };
  const runTurns = async (turns) => {
    for (let i = 0; turns === null || i < turns; i++) {
      if (!(await app.inspectStep())) break;
    }
  };
  const canStep = () => store.state.phase === "ready" && store.state.inside && !store.state.inside.turn?.done
    && !store.state.inside.playing;
  $("lesson-new-name").addEventListener("click", () => startName(0));
  $("lesson-step").addEventListener("click", () => canStep() && app.inspectStep());
  $("lesson-run-on").addEventListener("click", () => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) return store.update({ message: problems.join("\n") });
    app.lessonRunOn(values);
  });
  $("lesson-measure").addEventListener("click", () => app.lessonMeasure(currentName(store.state)));

  store.subscribe(async (state, previous) => {
    const { lesson, phase, model, inside } = state;
    const ready = phase === "ready" && Boolean(model);
    showSection(lesson.section, previous?.lesson.section);
    $("lesson-new-name").disabled = !ready;
    $("lesson-step").disabled = !canStep();
    $("lesson-run-on").disabled = !ready;
    $("lesson-measure").disabled = !ready;
    showName(inside);
    if (inside?.loop) {
      loopCode.show(inside.loop.source);
      flowCode.show(inside.loop.source);
    } else {
      loopCode.clear();
      flowCode.clear();
    }
    loopCode.highlight(inside?.turn);
    flowCode.highlight(inside?.turn);
    flowCode.pick(lesson.picked);
    showFlowStep(boxes, inside, lesson.picked);
    showData(lesson.data, inside);
    showRunOn(lesson.runOn?.model === modelKey(state) ? lesson.runOn : null);
    showGradCost(lesson.gradCost?.model === modelKey(state) ? lesson.gradCost : null);

    if (!ready) return;
    // A section that speaks of a name in progress starts one itself, and runs it as far as the
    // section needs (once per section and model: after that, the learner steps).
    const wanted = NEEDS_A_NAME[lesson.section];
    const key = `${lesson.section} ${modelKey(state)}`;
    const turnsRun = inside?.turn ? inside.turn.pos + 1 : 0;
    if (wanted !== undefined && autoStarted !== key && (!inside || (!inside.turn?.done
        && (wanted === null || turnsRun < wanted)))) {
      autoStarted = key;
      if (!inside) await startName(wanted);
      else await runTurns(wanted === null ? null : wanted - turnsRun);
      return;
    }
    // The cost of gradients is measured, never quoted: once per model and name, on entering the section.
    const measureKey = `${key} ${currentName(state)}`;
    if (lesson.section === "no-gradients" && inside?.turn && lesson.gradCost?.model !== modelKey(state)
        && autoStarted !== measureKey) {
      autoStarted = measureKey;
      app.lessonMeasure(currentName(state));
    }
    const changed = !previous || inside !== previous.inside || model !== previous.model || previous.phase !== "ready"
      || lesson.section !== previous.lesson.section;
    if (changed && USES_DATA.has(lesson.section)) refresh();
  });
}

// The name the loop has written so far (what comes after BOS, up to the current turn's token).
function currentName({ inside }) {
  const turn = inside?.turn;
  if (!turn) return "";
  return turn.name + (turn.token === "BOS" ? "" : turn.token);
}

function showSection(section, previous) {
  if (section === previous) return;
  const hadFocus = document.activeElement?.closest("[data-testid=lesson-section]");
  for (const article of document.querySelectorAll("[data-testid=lesson-section]")) {
    article.hidden = article.dataset.section !== section;
  }
  const at = SECTIONS.indexOf(section);
  const article = document.querySelector(`[data-testid=lesson-section][data-section="${section}"]`);
  $("lesson").dataset.section = section;
  $("lesson-position").textContent = `${at + 1} of ${SECTIONS.length}: ${article.querySelector("h3").textContent.replace(/^\d+\. /, "")}`;
  const focused = document.activeElement;
  $("lesson-prev").disabled = at === 0;
  $("lesson-next").disabled = at === SECTIONS.length - 1;
  // (a disabled button drops the focus to the page: it goes to the other, still in the lesson)
  if (focused?.disabled) (focused === $("lesson-next") ? $("lesson-prev") : $("lesson-next")).focus();
  $("lesson-link").href = `?learn=${section}`;
  // The focus was in the section just hidden: it goes to the new one, so the arrow keys go on working.
  if (hadFocus) article.focus({ preventScroll: true });
}

function showName(inside) {
  const turn = inside?.turn;
  const text = !inside ? "No name in progress: New name starts one (so does Look inside, below)."
    : !turn ? "A new name: nothing drawn yet. Press Step."
      : `The name being stepped: "${currentName({ inside })}", position ${turn.pos}` +
        (turn.done ? " — done." : ". Press Step for the next turn.");
  $("lesson-name").textContent = text;
}

// ---- the flowchart ----

function drawFlowchart(app) {
  const svg = $("flowchart");
  const defs = element("defs");
  const marker = element("marker", { id: "flow-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6,
                                     markerHeight: 6, orient: "auto-start-reverse" });
  marker.append(element("path", { d: "M0,0 L10,5 L0,10 z", class: "flow-arrowhead" }));
  defs.append(marker);
  svg.append(defs);
  for (const d of ARROWS) svg.append(element("path", { d, class: "flow-arrow", "marker-end": "url(#flow-arrow)" }));
  for (const [text, x, y] of ARROW_LABELS) svg.append(element("text", { x, y, class: "flow-label" }, text));
  const boxes = {};
  for (const [step, label, x, y, width] of FLOW) {
    const box = element("g", { "data-testid": "flow-step", "data-step": step, tabindex: 0, role: "button",
                               "aria-label": `${label}: light its line of code`, class: "flow-step" });
    box.append(element("rect", { x, y, width, height: BOX_HEIGHT, rx: step === "stop-check" ? 18 : 6 }),
               element("text", { x: x + width / 2, y: y + BOX_HEIGHT / 2 + 5 }, label));
    const pick = () => app.lessonPick(step);
    box.addEventListener("click", pick);
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      pick();
    });
    svg.append(box);
    boxes[step] = box;
  }
  return boxes;
}

// The box of the step just run is the current one; the picked box is marked too.
function showFlowStep(boxes, inside, picked) {
  const current = inside?.loop ? stepsRun(inside.loop.source, inside.turn).at(-1) : null;
  for (const [step, box] of Object.entries(boxes)) {
    if (step === current) box.setAttribute("aria-current", "step");
    else box.removeAttribute("aria-current");
    box.classList.toggle("picked", step === picked);
  }
}

function element(name, attributes = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

// ---- Python's numbers ----

function showData(data, inside) {
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

function showRunOn(runOn) {
  const box = $("run-on");
  for (const key of ["name", "length"]) delete box.dataset[key];
  if (!runOn) return (box.textContent = "");
  Object.assign(box.dataset, { name: runOn.name, length: [...runOn.name].length });
  const most = Math.max(...runOn.turns.map((turn) => turn.bos_prob));
  box.textContent = `Ignoring BOS, the loop wrote "${runOn.name}": ${[...runOn.name].length} characters, the whole ` +
    `block. BOS was never taken, though it had up to ${(100 * most).toFixed(1)}% at a position.`;
}

function showGradCost(cost) {
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

function fillGlossary() {
  $("glossary").replaceChildren(...TERMS.flatMap(([term, meaning, target]) => {
    const dt = document.createElement("dt");
    const link = document.createElement("a");
    Object.assign(link, { href: `#${target}`, textContent: term });
    link.dataset.testid = "glossary-term";
    dt.append(link);
    const dd = document.createElement("dd");
    dd.textContent = meaning;
    return [dt, dd];
  }));
}
