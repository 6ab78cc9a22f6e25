// The Generate card: sampling settings, Generate and Copy link, and the names as they come.
import { field, readForm } from "../form.js";
import { GENERATE_SETTINGS } from "../settings.js";

const $ = (id) => document.getElementById(id);

export function mountGenerate(store, app) {
  $("generate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) store.update({ message: problems.join("\n") });
    else if (store.state.phase === "ready" && store.state.model) app.generate(values);
  });
  $("share").addEventListener("click", () => share(store, app));
  // k is for top-k only and p for top-p only: the other modes leave them as they are, unused.
  const followMode = () => {
    field("top_k").disabled = field("sampling").value !== "top-k";
    field("top_p").disabled = field("sampling").value !== "top-p";
  };
  for (const event of ["change", "filled"]) field("sampling").addEventListener(event, followMode);
  followMode();

  store.subscribe((state) => {
    $("generate").disabled = state.phase !== "ready" || !state.model;
    $("stream").textContent = describeBatch(state.batch);
  });
}

// Which random stream a batch of names came from.
function describeBatch(batch) {
  if (!batch) return "";
  const { settings: { sample_seed: seed, sampling }, first, count } = batch;
  if (sampling === "greedy") return "Greedy names: the most likely character every time, so no random number is drawn.";
  if (seed !== null) return `Names from sampling seed ${seed}: a fresh random stream, the same every time.`;
  if (first === null) return "Names from the run's own random stream, continued.";
  return `Names ${first + 1}–${first + count} of the run's own random stream, as microgpt.py would print ` +
    "them: no sampling seed, so each Generate continues where the last one stopped.";
}

// Copy the link to what is on screen: the run and the names shown, not unsent edits in the form.
async function share(store, app) {
  const link = await app.link();
  if (link === null) {
    return store.update({ message: "Your dataset is too big to travel in a link (more than 32 kB compressed). " +
      "Download the model and send that instead: it opens in the page and in the CLI." });
  }
  const url = new URL(link, location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    store.update({ status: `Link copied: ${url.length > 120 ? `${url.slice(0, 117)}…` : url}` });
  } catch {
    window.prompt("Copy this link:", url);
  }
}
