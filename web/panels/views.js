// The Watch it learn card: what training does to the model, drawn from the frames the worker
// computes (py/microgpt/watcher.py): the embeddings on a plane, the attention on a probe word,
// the health of each weight matrix, and a slider back to any kept step, with names sampled
// there.
import { megabytes, quoteToken, shortToken } from "../format.js";
import { latestOnly } from "../latest.js";
import { Heatmap } from "../widgets/heatmap.js";
import { Scatter } from "../widgets/scatter.js";
import { sparkline } from "../widgets/sparkline.js";

const $ = (id) => document.getElementById(id);
const VOWELS = new Set("aeiouyAEIOUYàáâäèéêëìíîïòóôöùúûü");
const NEIGHBOURS = 3; // shown on hovering a token
const MAX_QUEUED = 16; // frames waiting to be drawn

export function mountViews(store, app) {
  const tokens = new Scatter($("embeddings-tokens"), (i, label) => ({
    testid: "embedding-point", data: { token: label },
    kind: label === "BOS" ? "bos" : VOWELS.has(label) ? "vowel" : "consonant",
  }));
  const positions = new Scatter($("embeddings-positions"), (i) => ({
    testid: "position-point", data: { position: i }, kind: "position",
  }));
  let frame = null; // the frame drawn
  let vectors = null; // the token embeddings of the latest frame that has them (for neighbours)
  const queue = []; // frames to draw, one per animation frame: each 25 steps is seen
  let playing = false;
  let healthTimer = null;

  const play = () => {
    if (!queue.length) return (playing = false);
    frame = queue.shift();
    vectors = frame.vectors ?? vectors;
    drawFrame(frame, tokens, positions);
    requestAnimationFrame(play);
  };

  // Hovering (or focusing) a token names its nearest neighbours in all the embedding's dimensions.
  const showNeighbours = (event) => {
    const g = event.target.closest?.('[data-testid="embedding-point"]');
    if (!g || !vectors) return;
    $("neighbours").textContent = nearest(vectors, frame.tokens, frame.tokens.indexOf(g.dataset.token));
  };
  $("embeddings-tokens").addEventListener("mouseover", showNeighbours);
  $("embeddings-tokens").addEventListener("focusin", showNeighbours);

  $("views-shown").addEventListener("change", () => app.watch({ shown: $("views-shown").checked }));
  $("probe").addEventListener("change", () => app.watch({ probe: $("probe").value.trim() }));

  // The slider snaps to the kept steps.
  const travel = latestOnly((step) => app.travel(step));
  $("scrub").addEventListener("input", () => {
    const step = nearestKept(store.state.views?.kept ?? [], Number($("scrub").value));
    $("scrub-step").textContent = `step ${step}`;
    travel(step);
  });

  store.subscribe((state, previous) => {
    const { views, phase, shown } = state;
    $("views-body").hidden = !shown;
    $("views-shown").checked = shown;
    if (views?.frames !== previous?.views?.frames && views?.frames?.length) {
      queue.push(...views.frames);
      queue.splice(0, queue.length - MAX_QUEUED); // (a hidden tab draws nothing: the latest are enough)
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
    // The health lines: redrawn at most once a second while training (they are many), at once otherwise.
    const healthChanged = views.health !== previous?.views?.health;
    if (phase === "training") {
      if (healthChanged) {
        healthTimer ??= setTimeout(() => {
          healthTimer = null;
          if (store.state.views) drawHealth(store.state.views);
        }, 1000);
      }
    } else if (healthChanged || healthTimer !== null) {
      clearTimeout(healthTimer);
      healthTimer = null;
      drawHealth(views);
    }
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
  if (!frame.attention) return; // (it comes with a frame a few times a second)
  if (document.activeElement !== $("probe")) $("probe").value = frame.probe;
  drawAttention(frame);
}

// Per layer, a heatmap per head: row i is what position i (reading the token shown) attends to.
// The heatmaps are built once per probe word and shape, and filled in place.
let heatmaps = [];

function drawAttention({ attention, probe_tokens: inputs, step }) {
  const box = $("probe-attention");
  box.dataset.step = step;
  const shape = JSON.stringify([inputs, attention.length, attention[0].length]);
  if (box.dataset.shape !== shape) {
    box.dataset.shape = shape;
    heatmaps = attention.flatMap((heads, layer) => heads.map((rows, head) => new Heatmap({
      caption: `layer ${layer} · head ${head}`, columns: inputs.map(shortToken),
      rows: rows.map((_, i) => ({ label: shortToken(inputs[i]), data: { testid: "probe-attention-row", layer, head, row: i } })),
      title: (i, j) => `${shortToken(inputs[i])} attending to ${shortToken(inputs[j])}`,
    })));
    box.replaceChildren(...heatmaps.map((map) => map.table));
  }
  attention.flat().forEach((rows, k) => heatmaps[k].fill(rows)); // layer by layer, head by head: as built
}

// Per weight matrix: log10 of the update / weight ratio (dashed: 1e-3), and the gradient norm.
function drawHealth({ matrices, health: records }) {
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
  delete $("probe-attention").dataset.shape;
  $("neighbours").textContent = "";
}

// The kept step nearest to a slider position.
const nearestKept = (kept, value) => kept.reduce((best, step) => (Math.abs(step - value) < Math.abs(best - value) ? step : best), kept[0]);

// The tokens most like token i: cosine similarity of their embeddings, in all their dimensions.
function nearest(vectors, tokens, i) {
  const norm = (v) => Math.hypot(...v) || 1e-12;
  const cosine = (a, b) => a.reduce((sum, x, k) => sum + x * b[k], 0) / (norm(a) * norm(b));
  const ranked = vectors.map((v, j) => [j, cosine(vectors[i], v)]).filter(([j]) => j !== i)
    .sort((a, b) => b[1] - a[1]).slice(0, NEIGHBOURS);
  return `Nearest to ${quoteToken(tokens[i])} (cosine similarity in all ${vectors[i].length} dimensions): ` +
    ranked.map(([j, similarity]) => `${quoteToken(tokens[j])} ${similarity.toFixed(2)}`).join(" · ");
}

const percent = (fraction) => `${Math.round(fraction * 100)}%`;
