// The Look inside card: the package's own sampling loop, run one turn at a time, with the
// numbers it computes: the line that runs, the input and position, the probabilities (a bar
// per token, each a button that forces that token), the KV cache and attention.
import { readForm } from "../form.js";
import { quoteToken, shortToken } from "../format.js";
import { latestOnly } from "../latest.js";
import { GENERATE_SETTINGS } from "../settings.js";
import { Heatmap } from "../widgets/heatmap.js";
import { LoopCode } from "../widgets/loop-code.js";

const $ = (id) => document.getElementById(id);

export function mountInside(store, app) {
  const view = new InsideView();
  let timer = null;

  const start = () => {
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) return store.update({ message: problems.join("\n") });
    pause();
    $("inside-temperature").value = values.temperature;
    app.inspect(values);
  };
  const step = async () => {
    const started = performance.now();
    const more = await app.inspectStep();
    $("inside").dataset.stepMs = (performance.now() - started).toFixed(1); // (read by tools/bench.py)
    return more;
  };
  const play = () => {
    app.setPlaying(true);
    const next = async () => {
      if (!store.state.inside?.playing) return;
      const more = await step();
      if (more && store.state.inside?.playing) timer = setTimeout(next, 1000 / Number($("play-speed").value));
      else pause();
    };
    next();
  };
  function pause() {
    clearTimeout(timer);
    app.setPlaying(false);
  }
  const playing = () => Boolean(store.state.inside?.playing);
  const canStep = () => store.state.phase === "ready" && store.state.inside && !store.state.inside.turn?.done;

  $("restart-name").addEventListener("click", start);
  $("step").addEventListener("click", () => canStep() && !playing() && step());
  $("play").addEventListener("click", () => (playing() ? pause() : canStep() && play()));
  $("play-speed").addEventListener("input", () => ($("play-speed-value").textContent = $("play-speed").value));
  // The temperature acts at once: the same logits, divided anew.
  const sendTemperature = latestOnly((temperature) => store.state.inside && app.inspectTemperature(temperature));
  $("inside-temperature").addEventListener("input", () => {
    const temperature = Number($("inside-temperature").value);
    $("inside-temperature-value").textContent = temperature;
    sendTemperature(temperature);
  });
  $("dist").addEventListener("click", (event) => {
    const row = event.target.closest("[data-testid=dist-row]");
    if (row && canStep() && store.state.inside.turn) {
      pause();
      app.inspectBranch(Number(row.dataset.tokenId));
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey
        || event.altKey) return; // (defaultPrevented: the lesson took the arrow keys)
    const key = event.key.toLowerCase();
    if (key === "s" || key === "arrowright") $("step").click();
    else if (key === "p") $("play").click();
    else if (key === "n") $("restart-name").click();
    else return;
    event.preventDefault();
  });

  store.subscribe((state, previous) => {
    const { phase, model, inside } = state;
    if (phase !== "ready" && inside?.playing) pause();
    $("restart-name").disabled = phase !== "ready" || !model;
    $("step").disabled = !canStep() || inside.playing;
    $("play").disabled = !canStep();
    $("play").textContent = inside?.playing ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(Boolean(inside?.playing)));
    if (inside !== previous?.inside) view.render(inside);
  });
}

class InsideView {
  constructor() {
    this.code = new LoopCode($("loop-source"));
  }

  render(inside) {
    if (!inside) return this.clear();
    const { loop, turn, temperature, mode } = inside;
    if (loop !== this.loop) {
      this.code.show(loop.source);
      this.loopId = String(Number(this.loopId ?? 0) + 1);
    }
    this.loop = loop;
    this.code.highlight(turn);
    this.showState(turn, temperature, mode);
    this.showDistribution(turn, mode);
    this.showCache(turn);
    this.showAttention(turn);
  }

  clear() {
    this.loop = null;
    this.code.clear();
    $("dist").replaceChildren();
    $("kv-cache").replaceChildren();
    $("attention").replaceChildren();
    $("inside-state").textContent = "Train a model, then press New name.";
  }

  showState(turn, temperature, mode) {
    const state = $("inside-state");
    for (const key of ["name", "pos", "token", "forced", "done"]) delete state.dataset[key];
    if (!turn) {
      state.textContent = "Ready to start: the input is BOS at position 0. Press Step.";
      return;
    }
    const name = turn.name + (turn.token === "BOS" ? "" : turn.token);
    // (for tools and tests: what the sentence says)
    Object.assign(state.dataset, { name, pos: turn.pos, token: turn.token, forced: turn.forced, done: turn.done });
    const how = turn.forced ? "given (forced)" : "drawn";
    state.textContent = `Position ${turn.pos}: input ${quoteToken(turn.input)} → ${how} ${quoteToken(turn.token)} ` +
      `with p = ${turn.prob.toFixed(4)} at temperature ${temperature}${describeMode(mode)}. The name: "${name}"` +
      (turn.done ? (turn.token === "BOS" ? " — done: BOS ends it." : " — done: the block is full.") : ".");
  }

  // One row per token, made once per name and updated in place at every turn (a step must
  // draw well within a frame). The probabilities are those the token was drawn from: in greedy,
  // top-k and top-p mode the tokens not kept have 0 and are marked.
  showDistribution(turn, mode) {
    const dist = $("dist");
    if (!turn) return dist.replaceChildren();
    const { tokens } = this.loop;
    if (dist.children.length !== tokens.length || dist.dataset.loop !== this.loopId) {
      dist.dataset.loop = this.loopId;
      dist.replaceChildren(...tokens.map((token, i) => {
        const row = document.createElement("li");
        row.dataset.testid = "dist-row";
        row.dataset.token = token;
        row.dataset.tokenId = i;
        const button = document.createElement("button");
        button.type = "button";
        const label = document.createElement("span");
        label.className = "token";
        label.textContent = token === "BOS" ? "BOS" : token === " " ? "␣" : token;
        const bar = document.createElement("span");
        bar.className = "bar";
        const value = document.createElement("span");
        value.className = "value";
        button.append(label, bar, value);
        row.append(button);
        return row;
      }));
    }
    const top = Math.max(...turn.probs);
    turn.probs.forEach((prob, i) => {
      const row = dist.children[i];
      const [button] = row.children;
      const [, bar, value] = button.children;
      const kept = prob > 0 || !mode || mode.sampling === "temperature";
      row.dataset.prob = String(prob);
      row.dataset.logit = String(turn.logits[i]);
      row.dataset.kept = String(kept);
      row.className = `${tokens[i] === "BOS" ? "bos" : ""}${i === turn.token_id ? " drawn" : ""}${kept ? "" : " dropped"}`;
      if (i === turn.token_id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
      button.title = `logit ${turn.logits[i].toFixed(3)} · p ${prob.toFixed(4)}${kept ? "" : ` (not kept${describeMode(mode)})`}` +
        ` · click to force ${quoteToken(tokens[i])} here`;
      bar.style.width = `${(100 * prob) / top}%`;
      value.textContent = prob.toFixed(3);
    });
  }

  // The inputs so far, one per position: BOS, then the name's characters.
  inputs(turn) {
    return ["BOS", ...turn.name].slice(0, turn.pos + 1); // (by code point, as Python counts)
  }

  showCache(turn) {
    const grid = $("kv-cache");
    if (!turn) return grid.replaceChildren();
    const inputs = this.inputs(turn);
    grid.replaceChildren(...turn.kv.map((length, layer) => {
      const row = document.createElement("div");
      row.className = "kv-row";
      row.dataset.testid = "kv-layer";
      row.dataset.length = length;
      const label = document.createElement("span");
      label.className = "kv-label";
      label.textContent = `layer ${layer}: ${length} key${length === 1 ? "" : "s"} and value${length === 1 ? "" : "s"}`;
      row.append(label);
      for (let pos = 0; pos < this.loop.block_size; pos++) {
        const cell = document.createElement("span");
        cell.className = pos < length ? "kv-cell filled" : "kv-cell";
        cell.textContent = pos < length ? shortToken(inputs[pos]) : "";
        row.append(cell);
      }
      return row;
    }));
  }

  showAttention(turn) {
    const box = $("attention");
    if (!turn) return box.replaceChildren();
    const inputs = this.inputs(turn);
    box.replaceChildren(...turn.attention.map((heads, layer) => {
      const map = new Heatmap({
        caption: `layer ${layer}`, columns: inputs.map(shortToken),
        rows: heads.map((_, head) => ({ label: `head ${head}`, data: { testid: "attention-row", layer, head } })),
        title: (head, pos, weight) => `${quoteToken(inputs[pos])} at position ${pos}: ${weight.toFixed(3)}`,
      });
      map.fill(heads);
      return map.table;
    }));
  }
}

// The sampling mode in words, after the temperature ("" for plain temperature sampling).
function describeMode(mode) {
  if (!mode || mode.sampling === "temperature") return "";
  if (mode.sampling === "greedy") return ", greedy";
  return mode.sampling === "top-k" ? `, top-k ${mode.top_k}` : `, top-p ${mode.top_p}`;
}
