// Starting Python in the worker (worker.mjs): Pyodide and our package, from the build's files
// (manifest.json). Nothing here knows the page's requests; the worker opens the Session.
import { DownloadError, watchDownloads } from "./downloads.js";

async function fetchBytes(url) {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

// What a first visit shows as soon as Python is up: the default dataset and the model trained at
// build time. Their downloads start with Python's, not after it, and wait here (url → the
// fetch's promise) for fetchEarly to take them.
const early = new Map();
let earlyStart;

// A fetch of url, or the one started while Python loaded (once: it is a download, not a cache).
export function fetchEarly(url) {
  const href = new URL(url, self.location.href).href;
  const started = early.get(href);
  early.delete(href);
  return started ?? fetch(href);
}

function startEarly(manifest, base, optional) {
  const first = Object.values(manifest.datasets)[0];
  earlyStart = performance.now();
  for (const path of [first, manifest.model?.checkpoint, manifest.model?.losses].filter(Boolean)) {
    const href = new URL(path, base).href;
    optional.add(href); // (a failure here is the request's to report, when the page asks for it)
    const response = fetch(href);
    response.catch(() => {});
    early.set(href, response);
  }
}

// Load Python and our package: the manifest, Pyodide (booted from the cut-down standard library
// build.py made, or restored from the build's memory snapshot once it is cached), our wheel
// unpacked, and when each phase ended. Every download is watched (downloads.js): the page sees
// bytes arrive, and the first one that fails ends loading with its reason, instead of leaving
// Pyodide to wait for it.
export async function boot(base, emit) {
  // A failed download is reported once, through the race below; Pyodide may leave its own
  // promise of it unawaited, which is no news.
  self.addEventListener("unhandledrejection", (event) => event.reason instanceof DownloadError && event.preventDefault());
  const { failure, optional } = watchDownloads((loaded, total) => emit({ type: "download", loaded, total }));
  failure.catch(() => {}); // (raced below; unraced once loading is over)
  return Promise.race([bootPython(base, emit, optional), failure]);
}

async function bootPython(base, emit, optional) {
  const started = performance.now(), phases = {};
  const phase = (name) => (phases[name] = Math.round(performance.now() - started));
  // The one file whose name never changes with its content; all it points at is versioned.
  const manifest = await (await fetch(new URL("manifest.json", base), { cache: "no-cache" })).json();
  phase("manifest");
  startEarly(manifest, base, optional);
  emit({ type: "status", text: "Loading Python (Pyodide)…" });
  const pyodideURL = new URL(manifest.pyodide, base);
  const { loadPyodide } = await importScript(new URL("pyodide.mjs", pyodideURL));
  phase("scripts");
  const wheel = fetchBytes(new URL(manifest.wheel, base)); // meanwhile
  wheel.catch(() => {}); // (a failure is the download watch's to report)
  const options = { indexURL: pyodideURL.href, stdLibURL: new URL(manifest.stdlib, base).href };
  const snapshot = await chooseSnapshot(manifest, base, phases);
  let pyodide = snapshot && await bootFromSnapshot(loadPyodide, options, snapshot, optional);
  phases.snapshot = Boolean(pyodide);
  if (!pyodide) pyodide = await loadPyodide(options);
  phase("python");
  pyodide.unpackArchive(await wheel, "wheel");
  const whole = new URL("python_stdlib.zip", pyodideURL).href;
  pyodide.pyimport("microgpt.lazy_stdlib").install(() => downloadNow(whole));
  phase("python ready");
  return { pyodide, manifest, phases };
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
// is 5.3 MB more to download, where the plain start downloads nothing more. So it is used when it
// is here already (the service worker keeps it, with the rest of the site, after a first visit),
// or when the link is fast, as the early downloads (~0.2 MB gzipped) measure it: on a slow link
// they are far from done by the time pyodide.mjs is in (their bytes over the time since they were
// asked for are few already), and the plain start begins at once; else, once they are here (at
// most LINK_WAIT_MS later), their bytes over the time the network took to bring them, from their
// first byte to their last (Resource Timing: no round trip, no server time), decide.
const FAST_LINK = 5e6; // bytes/s, 40 Mbit/s; a sample this small reads low (loopback: 8 to 90 MB/s)
const LINK_WAIT_MS = 100;

async function chooseSnapshot(manifest, base, phases) {
  if (!manifest.snapshot) return null;
  const url = new URL(manifest.snapshot, base);
  if (await isCached(url)) return url;
  let responses;
  try {
    responses = await Promise.all(early.values()); // (their headers)
  } catch {
    return null;
  }
  const bytes = responses.reduce((sum, response) => sum + Number(response.headers.get("Content-Length") ?? NaN), 0);
  if (!(bytes / Math.max(performance.now() - earlyStart, 1) * 1000 >= FAST_LINK / 4)) return null; // (NaN too)
  const bodies = Promise.all(responses.map((response) => response.clone().arrayBuffer()));
  await Promise.race([bodies, new Promise((resolve) => setTimeout(resolve, LINK_WAIT_MS))]);
  const timings = [...early.keys()].map((href) => performance.getEntriesByName(href).at(-1));
  if (!timings.every((timing) => timing?.responseEnd > 0)) return null;
  const ms = Math.max(...timings.map((t) => t.responseEnd)) - Math.min(...timings.map((t) => t.responseStart));
  const speed = bytes / Math.max(ms, 1) * 1000;
  phases.link = Math.round(speed / 1e6); // (MB/s, for the benchmark)
  return speed >= FAST_LINK ? url : null;
}

async function isCached(url) {
  try {
    return Boolean(self.caches && (await caches.match(url.href, { ignoreSearch: true })));
  } catch {
    return false; // (storage that is off or broken)
  }
}

// Python as build.py left it: booted, our package imported, the default model's kernels
// compiled (tools/make_snapshot.mjs), restored from a memory snapshot in well under a second.
// The files of our wheel are not in a memory snapshot: they are unpacked again. Any failure
// (a missing, damaged or mismatched snapshot) returns null: the plain boot takes over.
async function bootFromSnapshot(loadPyodide, options, url, optional) {
  optional.add(url.href);
  try {
    return await loadPyodide({ ...options, _loadSnapshot: gunzip(fetch(url)) });
  } catch (error) {
    console.warn(`microgpt: the memory snapshot could not be used (${error.message || error}); starting ` +
      "Python the plain way.");
    return null;
  }
}

async function gunzip(response) {
  const body = (await response).body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
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
