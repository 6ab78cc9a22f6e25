// Starting Python in the worker (worker.mjs): Pyodide and our package, from the build's files
// (manifest.json). Nothing here knows the page's requests; the worker opens the Session.
import { DownloadError, watchDownloads } from "./downloads.js";
import { unpackSnapshot } from "./snapshot-file.js";

// Downloads started before anyone asks for them (url → the fetch's promise), each taken by the
// first fetch of its URL (takeEarlyDownloads): Python's own, which Pyodide asks for only once its
// loader is in, and what a first visit shows as soon as Python is up (the default dataset and the
// model trained at build time). The latter are also the link's sample (chooseSnapshot).
const early = new Map();
let sample; // (the sample's URLs, and a promise of their end)

function startEarly(manifest, base, pyodideURL, optional) {
  const python = [new URL("pyodide.asm.wasm", pyodideURL), new URL(manifest.core, base),
                  new URL("pyodide-lock.json", pyodideURL)].map((url) => url.href);
  const shown = [Object.values(manifest.datasets)[0], manifest.model?.checkpoint, manifest.model?.losses]
    .filter(Boolean).map((path) => new URL(path, base).href);
  for (const href of shown) optional.add(href); // (a failure is the request's to report, when the page asks)
  for (const href of [...python, ...shown]) {
    const response = fetch(href);
    response.catch(() => {}); // (the download watch's, or the request's, to report)
    early.set(href, response);
  }
  sample = { hrefs: shown, loaded: Promise.all(shown.map(async (href) => (await early.get(href)).clone().arrayBuffer())) };
  sample.loaded.catch(() => {});
}

// From now on a fetch of a URL that is downloading early takes that download (once: it is a
// download, not a cache): Pyodide's fetches too.
function takeEarlyDownloads() {
  const fetchNow = self.fetch;
  self.fetch = (input, init) => {
    const href = new URL(input instanceof Request ? input.url : input, self.location.href).href;
    const started = early.get(href);
    early.delete(href);
    return started ?? fetchNow(input, init);
  };
}

// Load Python and our package: the manifest, then Pyodide, booted from the zip build.py made (the
// standard modules the page needs and our package, compiled: tools/make_core.mjs) or restored
// from the build's memory snapshot where that pays, and when each phase ended. Every download is
// watched (downloads.js): the page sees bytes arrive, and the first one that fails ends loading
// with its reason, instead of leaving Pyodide to wait for it.
export async function boot(base, emit) {
  // A failed download is reported once, through the race below; Pyodide may leave its own
  // promise of it unawaited, which is no news.
  self.addEventListener("unhandledrejection", (event) => event.reason instanceof DownloadError && event.preventDefault());
  const { failure, optional } = watchDownloads((loaded, total) => emit({ type: "download", loaded, total }));
  failure.catch(() => {}); // (raced below; unraced once loading is over)
  takeEarlyDownloads();
  return Promise.race([bootPython(base, emit, optional), failure]);
}

async function bootPython(base, emit, optional) {
  // (when each phase ended, on the wall clock: the page puts them on its own; see actions/load.js)
  const phases = {}, how = {}; // (how: from the snapshot or not, and the link's speed, for the benchmark)
  const phase = (name) => (phases[name] = performance.timeOrigin + performance.now());
  // The one file whose name never changes with its content; all it points at is versioned.
  const answer = await fetch(new URL("manifest.json", base), { cache: "no-cache" });
  const manifest = await answer.json();
  phase("manifest");
  const pyodideURL = new URL(manifest.pyodide, base);
  startEarly(manifest, base, pyodideURL, optional);
  emit({ type: "status", text: "Loading Python (Pyodide)…" });
  // Pyodide's two scripts at once: it would import its runtime (pyodide.asm.mjs) only once its
  // loader is in; createPyodideModule is how it takes the runtime instead, when it needs it.
  const [loader, runtime] = ["pyodide.mjs", "pyodide.asm.mjs"].map((name) => importScript(new URL(name, pyodideURL)));
  runtime.catch(() => {}); // (loadPyodide's to report)
  const createPyodideModule = async (settings) => (await runtime).default(settings);
  // The snapshot, where it pays, comes (and unpacks) from the moment that is known.
  const snapshot = chooseSnapshot(manifest, base, how, loader, fromServiceWorker(answer));
  const unpacking = snapshot.then(async (url) => url && (optional.add(url.href), unpackSnapshot(await fetch(url))));
  unpacking.catch(() => {}); // (bootFromSnapshot's to report)
  const { loadPyodide } = await loader;
  phase("scripts");
  const options = { indexURL: pyodideURL.href, stdLibURL: new URL(manifest.core, base).href, createPyodideModule };
  let pyodide = (await snapshot) && await bootFromSnapshot(loadPyodide, options, unpacking);
  how.snapshot = Boolean(pyodide);
  if (!pyodide) pyodide = await loadPyodide(options);
  phase("python");
  const whole = new URL("python_stdlib.zip", pyodideURL).href;
  pyodide.pyimport("microgpt.lazy_stdlib").install(() => downloadNow(whole));
  phase("python ready");
  return { pyodide, manifest, phases, how };
}

// A script of Pyodide's, imported; a missing or mistyped one is named (an import only says it failed).
async function importScript(script) {
  try {
    return await import(script.href);
  } catch (error) {
    await (await fetch(script)).arrayBuffer(); // (the download watch names what is wrong with it)
    throw error;
  }
}

// The memory snapshot (tools/make_snapshot.mjs) saves Python's start, most of a second, but it
// is 5.2 MB more to download, where the plain start downloads nothing more. So it is used when it
// is here already (the service worker keeps it, with the rest of the site, after a first visit),
// or when the link is fast, as the early downloads' sample (the dataset and the model, ~0.2 MB
// gzipped) measures it: on a fast link they are in by the time pyodide.mjs is (give or take
// LINK_WAIT_MS), and their bytes over the time the network took to bring them, from their first
// byte to their last (Resource Timing: no round trip, no server time), decide; on a slow one they
// are still coming, and the plain start begins at once.
const FAST_LINK = 5e6; // bytes/s, 40 Mbit/s; a sample this small reads low (loopback: 8 to 90 MB/s)
const LINK_WAIT_MS = 25;

async function chooseSnapshot(manifest, base, how, loader, cached) {
  if (!manifest.snapshot) return null;
  const url = new URL(manifest.snapshot, base);
  if (cached) return url;
  await loader.catch(() => {});
  const late = new Promise((resolve) => setTimeout(resolve, LINK_WAIT_MS, "late"));
  if ((await Promise.race([sample.loaded.catch(() => "late"), late])) === "late") return null;
  const timings = sample.hrefs.map((href) => performance.getEntriesByName(href).at(-1));
  if (!timings.every((timing) => timing?.responseEnd > 0)) return null;
  const bytes = timings.reduce((sum, timing) => sum + (timing.encodedBodySize || timing.decodedBodySize), 0);
  const ms = Math.max(...timings.map((t) => t.responseEnd)) - Math.min(...timings.map((t) => t.responseStart));
  const speed = bytes / Math.max(ms, 1) * 1000;
  how.link = Math.round(speed / 1e6); // (MB/s)
  return speed >= FAST_LINK ? url : null;
}

// The service worker has this build's files, the snapshot among them, when it is the one that
// answers: it adds the headers that make the page cross-origin isolated (sw.js), which the host
// doesn't. (Asking the Cache Storage instead takes a first visit 0.1 s to open it.)
const fromServiceWorker = (response) => response.headers.get("Cross-Origin-Embedder-Policy") === "require-corp";

// Python as build.py left it: booted, our package imported, the default model's kernels
// compiled (tools/make_snapshot.mjs), restored from a memory snapshot in a fraction of a second.
// Any failure (a missing, damaged or mismatched snapshot) returns null: the plain boot takes over.
async function bootFromSnapshot(loadPyodide, options, unpacking) {
  // Pyodide makes Python's runtime only once it has the snapshot, for its length: it has that
  // as soon as the snapshot's first bytes are in. The runtime is made meanwhile, and the memory
  // is restored from the snapshot once it is whole.
  const whole = unpacking.then(({ whole }) => whole);
  whole.catch(() => {}); // (loadPyodide's to report)
  const createPyodideModule = async (settings) => {
    const runtime = await options.createPyodideModule(settings);
    await whole;
    return runtime;
  };
  try {
    return await loadPyodide({ ...options, createPyodideModule, _loadSnapshot: unpacking.then(({ memory }) => memory) });
  } catch (error) {
    console.warn(`microgpt: the memory snapshot could not be used (${error.message || error}); starting ` +
      "Python the plain way.");
    return null;
  }
}

// The whole standard library, for microgpt/lazy_stdlib.py: an import waits for it, so this
// blocks (a worker may make a synchronous request). Through the service worker, offline too.
function downloadNow(url) {
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  request.responseType = "arraybuffer";
  request.send();
  if (request.status !== 200) throw new Error(`${url}: ${request.status} ${request.statusText}`);
  return new Uint8Array(request.response);
}
