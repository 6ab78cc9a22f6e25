// The Watch it learn card: what training does to the model, drawn from the frames the worker
// computes (py/microgpt/watcher.py): the embeddings on a plane, the attention on a probe word,
// the health of each weight matrix, and a slider back to any kept step, with names sampled
// there.
import { megabytes } from "../format.js";
import { Scatter } from "../widgets/scatter.js";
import { sparkline } from "../widgets/sparkline.js";

const $ = (id) => document.getElementById(id);
const VOWELS = new Set("aeiouyAEIOUYàáâäèéêëìíîïòóôöùúûü");
const NEIGHBOURS = 3; // shown on hovering a token

export function mountViews(store, app) {
  const tokens = new Scatter($("embeddings-tokens"), (i, label) => ({
    testid: "embedding-point", data: { token: label },
    kind: label === "BOS" ? "bos" : VOWELS.has(label) ? "vowel" : "consonant",
  }));
  const positions = new Scatter($("embeddings-positions"), (i) => ({
    testid: "position-point", data: { position: i }, kind: "position",
  }));
  let frame = null; // the frame drawn
  const queue = []; // frames to draw, one per animation frame: each 25 steps is seen
  let playing = false;

  const play = () => {
    if (!queue.length) return (playing = false);
    frame = queue.shift();
    drawFrame(frame, tokens, positions);
    requestAnimationFrame(play);
  };

  // Hovering (or focusing) a token names its nearest neighbours in all the embedding's dimensions.
  const showNeighbours = (event) => {
    const g = event.target.closest?.('[data-testid="embedding-point"]');
    if (!g || !frame) return;
    $("neighbours").textContent = nearest(frame, frame.tokens.indexOf(g.dataset.token));
  };
  $("embeddings-tokens").addEventListener("mouseover", showNeighbours);
  $("embeddings-tokens").addEventListener("focusin", showNeighbours);

  $("views-shown").addEventListener("change", () => app.watch({ shown: $("views-shown").checked }));
  $("probe").addEventListener("change", () => app.watch({ probe: $("probe").value.trim() }));

  // The slider snaps to the kept steps; one request at a time, the latest position next.
  let travelling = false, wanted = null;
  $("scrub").addEventListener("input", async () => {
    const kept = store.state.views?.kept ?? [];
    wanted = nearestKept(kept, Number($("scrub").value));
    $("scrub-step").textContent = `step ${wanted}`;
    if (travelling) return;
    travelling = true;
    while (wanted !== null) {
      const step = wanted;
      wanted = null;
      await app.travel(step);
    }
    travelling = false;
  });

  store.subscribe((state, previous) => {
    const { views, phase, shown } = state;
    $("views-body").hidden = !shown;
    $("views-shown").checked = shown;
    if (views?.frames !== previous?.views?.frames && views?.frames?.length) {
      queue.push(...views.frames);
      if (!playing) {
        playing = true;
        requestAnimationFrame(play);
      }
    }
    if (!views) {
      queue.length = 0;
      if (previous?.views) clearViews();
      return;
    }
    if (views.health !== previous?.views?.health) drawHealth(views.matrices, views.health);
    if (views !== previous?.views || phase !== previous?.phase) showScrub(views, phase);
  });
}

function drawFrame(frame, tokens, positions) {
  $("embeddings").dataset.step = frame.step;
  tokens.draw(frame.wte.points, frame.tokens);
  positions.draw(frame.wpe.points, frame.wpe.points.map((_, i) => String(i)));
  const share = ({ explained }) => `the axes hold ${percent(explained[0])} and ${percent(explained[1])} of the spread`;
  $("embeddings-tokens-note").textContent = share(frame.wte);
  $("embeddings-positions-note").textContent = share(frame.wpe);
  if (document.activeElement !== $("probe")) $("probe").value = frame.probe;
  drawAttention(frame);
}

// Per layer, a heatmap per head: row i is what position i (reading the token shown) attends to.
function drawAttention({ attention, probe_tokens: inputs, step }) {
  const box = $("probe-attention");
  box.dataset.step = step;
  box.replaceChildren(...attention.flatMap((heads, layer) => heads.map((rows, head) => {
    const table = document.createElement("table");
    table.className = "heatmap";
    table.createCaption().textContent = `layer ${layer} · head ${head}`;
    const header = table.createTHead().insertRow();
    header.insertCell();
    for (const input of inputs) header.insertCell().textContent = short(input);
    const body = table.createTBody();
    rows.forEach((weights, i) => {
      const row = body.insertRow();
      Object.assign(row.dataset, { testid: "probe-attention-row", layer, head, row: i, weights: JSON.stringify(weights) });
      row.insertCell().textContent = short(inputs[i]);
      inputs.forEach((input, j) => {
        const cell = row.insertCell();
        if (j > i) return; // (the future: masked)
        cell.className = "weight";
        cell.style.setProperty("--w", weights[j]);
        cell.title = `${short(inputs[i])} → ${short(input)}: ${weights[j].toFixed(3)}`;
      });
    });
    return table;
  })));
}

// Per weight matrix: log10 of the update / weight ratio (dashed: 1e-3), and the gradient norm.
function drawHealth(matrices, records) {
  const box = $("health");
  if (!records.length) return box.replaceChildren();
  const steps = records.map(([step]) => step);
  box.replaceChildren(...matrices.map((name, m) => {
    const ratios = records.map((record) => record[1][m]), norms = records.map((record) => record[2][m]);
    const item = document.createElement("div");
    Object.assign(item.dataset, { testid: "health-matrix", matrix: name, ratio: ratios.at(-1), gradNorm: norms.at(-1) });
    const label = document.createElement("span");
    label.textContent = `${name} · update/weight ${ratios.at(-1).toExponential(1)} · grad ${norms.at(-1).toPrecision(2)}`;
    const logs = ratios.map((ratio) => Math.log10(Math.max(ratio, 1e-12)));
    item.append(label,
      sparkline({ steps, values: logs, low: -5, high: -1, reference: -3, className: "ratio" }),
      sparkline({ steps, values: norms, low: 0, high: Math.max(...norms, 1e-12), className: "norm" }));
    return item;
  }));
}

function showScrub({ kept, every, snapshotBytes, snapshotLimit, names, at }, phase) {
  const scrub = $("scrub");
  scrub.min = kept[0];
  scrub.max = kept.at(-1);
  scrub.disabled = phase !== "ready" || kept.length < 2;
  if (at === null || at === undefined) scrub.value = kept.at(-1);
  $("scrub-step").textContent = `step ${at ?? kept.at(-1)}`;
  $("kept").textContent = `Kept: the weights every ${every} step${every === 1 ? "" : "s"} and at the latest step — ` +
    `${kept.length} snapshots, ${megabytes(snapshotBytes)} MB (the bound is ${megabytes(snapshotLimit)} MB).`;
  const list = $("travel-names");
  list.replaceChildren(...(names ?? []).map((name) => {
    const item = document.createElement("li");
    item.textContent = name;
    return item;
  }));
}

function clearViews() {
  for (const id of ["probe-attention", "health", "travel-names"]) $(id).replaceChildren();
  $("neighbours").textContent = "";
}

// The kept step nearest to a slider position.
const nearestKept = (kept, value) => kept.reduce((best, step) => (Math.abs(step - value) < Math.abs(best - value) ? step : best), kept[0]);

// The tokens most like token i: cosine similarity of their embeddings, in all their dimensions.
function nearest({ vectors, tokens }, i) {
  const norm = (v) => Math.hypot(...v) || 1e-12;
  const cosine = (a, b) => a.reduce((sum, x, k) => sum + x * b[k], 0) / (norm(a) * norm(b));
  const ranked = vectors.map((v, j) => [j, cosine(vectors[i], v)]).filter(([j]) => j !== i)
    .sort((a, b) => b[1] - a[1]).slice(0, NEIGHBOURS);
  return `Nearest to ${show(tokens[i])} (cosine similarity in all ${vectors[i].length} dimensions): ` +
    ranked.map(([j, similarity]) => `${show(tokens[j])} ${similarity.toFixed(2)}`).join(" · ");
}

const percent = (fraction) => `${Math.round(fraction * 100)}%`;
const show = (token) => (token === "BOS" ? "BOS" : `"${token}"`);
const short = (token) => (token === "BOS" ? "⟨BOS⟩" : token === " " ? "␣" : token);
