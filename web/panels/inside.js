// The Look inside card: the package's own sampling loop, run one turn at a time, with the
// numbers it computes: the line that runs, the input and position, the probabilities (a bar
// per token, each a button that forces that token), the KV cache and attention.
import { readForm } from "../form.js";
import { quoteToken, shortToken } from "../format.js";
import { GENERATE_SETTINGS } from "../settings.js";

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
  // The temperature acts at once: the same logits, divided anew. One request at a time; the
  // slider's latest value goes next.
  let sending = false, wanted = null;
  $("inside-temperature").addEventListener("input", async () => {
    wanted = Number($("inside-temperature").value);
    $("inside-temperature-value").textContent = wanted;
    if (sending || !store.state.inside) return;
    sending = true;
    while (wanted !== null) {
      const temperature = wanted;
      wanted = null;
      await app.inspectTemperature(temperature);
    }
    sending = false;
  });
  $("dist").addEventListener("click", (event) => {
    const row = event.target.closest("[data-testid=dist-row]");
    if (row && canStep() && store.state.inside.turn) {
      pause();
      app.inspectBranch(Number(row.dataset.tokenId));
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
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
  render(inside) {
    if (!inside) return this.clear();
    const { loop, turn, temperature } = inside;
    if (loop !== this.loop) {
      this.showSource(loop);
      this.loopId = String(Number(this.loopId ?? 0) + 1);
    }
    this.loop = loop;
    this.highlight(turn);
    this.showState(turn, temperature);
    this.showDistribution(turn);
    this.showCache(turn);
    this.showAttention(turn);
  }

  clear() {
    this.loop = null;
    $("loop-source").replaceChildren();
    $("dist").replaceChildren();
    $("kv-cache").replaceChildren();
    $("attention").replaceChildren();
    $("inside-state").textContent = "Train a model, then press New name.";
  }

  showSource({ source }) {
    this.lines = source.lines.map((text, i) => {
      const line = document.createElement("span");
      line.className = "line";
      line.dataset.line = source.first_line + i;
      line.textContent = `${text}\n`;
      return line;
    });
    this.steps = source.steps; // step number → index in lines
    $("loop-source").replaceChildren(...this.lines);
  }

  // The lines this turn ran, and the last of them: before the first turn, "start from BOS";
  // after one, the model, the temperature, softmax, the draw, then the end or the append.
  highlight(turn) {
    const ran = turn ? [2, 3, 4, 5, turn.token === "BOS" ? 6 : 7] : [1];
    for (const line of this.lines) line.classList.remove("ran", "current");
    for (const step of ran) this.lines[this.steps[step]].classList.add("ran");
    const current = this.lines[this.steps[ran.at(-1)]];
    current.classList.add("current");
  }

  showState(turn, temperature) {
    const state = $("inside-state");
    if (!turn) {
      state.textContent = "Ready to start: the input is BOS at position 0. Press Step.";
      return;
    }
    const name = turn.name + (turn.token === "BOS" ? "" : turn.token);
    const how = turn.forced ? "given (forced)" : "drawn";
    state.textContent = `Position ${turn.pos}: input ${quoteToken(turn.input)} → ${how} ${quoteToken(turn.token)} ` +
      `with p = ${turn.prob.toFixed(4)} at temperature ${temperature}. The name: "${name}"` +
      (turn.done ? (turn.token === "BOS" ? " — done: BOS ends it." : " — done: the block is full.") : ".");
  }

  // One row per token, made once per name and updated in place at every turn (a step must
  // draw well within a frame).
  showDistribution(turn) {
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
      row.dataset.prob = String(prob);
      row.dataset.logit = String(turn.logits[i]);
      row.className = `${tokens[i] === "BOS" ? "bos" : ""}${i === turn.token_id ? " drawn" : ""}`;
      if (i === turn.token_id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
      button.title = `logit ${turn.logits[i].toFixed(3)} · p ${prob.toFixed(4)} · click to force ${quoteToken(tokens[i])} here`;
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
      const table = document.createElement("table");
      table.className = "heatmap";
      const caption = table.createCaption();
      caption.textContent = `layer ${layer}`;
      const header = table.createTHead().insertRow();
      header.insertCell().textContent = "";
      for (const input of inputs) header.insertCell().textContent = shortToken(input);
      const body = table.createTBody();
      heads.forEach((weights, head) => {
        const row = body.insertRow();
        row.dataset.testid = "attention-row";
        row.dataset.layer = layer;
        row.dataset.head = head;
        row.dataset.weights = JSON.stringify(weights);
        row.insertCell().textContent = `head ${head}`;
        weights.forEach((weight, pos) => {
          const cell = row.insertCell();
          cell.className = "weight";
          cell.style.setProperty("--w", weight);
          cell.title = `${quoteToken(inputs[pos])} at position ${pos}: ${weight.toFixed(3)}`;
        });
      });
      return table;
    }));
  }
}

