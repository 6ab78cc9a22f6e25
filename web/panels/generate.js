// The Generate card: sampling settings, Generate and Copy link, and the names as they come.
import { readForm } from "../form.js";
import { GENERATE_SETTINGS, SETTINGS, queryFromSettings } from "../settings.js";

const $ = (id) => document.getElementById(id);

export function mountGenerate(store, app) {
  $("generate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { values, problems } = readForm(GENERATE_SETTINGS);
    if (problems.length) store.update({ message: problems.join("\n") });
    else if (store.state.phase === "ready" && store.state.model) app.generate(values);
  });
  $("share").addEventListener("click", () => share(store));

  store.subscribe((state) => {
    $("generate").disabled = state.phase !== "ready" || !state.model;
    $("stream").textContent = describeBatch(state.batch);
  });
}

// Which random stream a batch of names came from.
function describeBatch(batch) {
  if (!batch) return "";
  const { seed, first, count } = batch;
  if (seed !== null) return `Names from sampling seed ${seed}: a fresh random stream, the same every time.`;
  if (first === null) return "Names from the run's own random stream, continued.";
  return `Names ${first + 1}–${first + count} of the run's own random stream, as microgpt.py would print ` +
    "them: no sampling seed, so each Generate continues where the last one stopped.";
}

async function share(store) {
  const { values, problems } = readForm(Object.keys(SETTINGS));
  if (problems.length) return store.update({ message: problems.join("\n") });
  const url = new URL(location.href);
  url.search = queryFromSettings(values);
  try {
    await navigator.clipboard.writeText(url.href);
    store.update({ status: `Link copied: ${url.href}` });
  } catch {
    window.prompt("Copy this link:", url.href);
  }
}
