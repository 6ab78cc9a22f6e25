// Starting Python in the worker (worker.mjs): Pyodide and our package, from the build's files
// (manifest.json). Nothing here knows the page's requests; the worker opens the Session.
import { DownloadError, watchDownloads } from "./downloads.js";

export async function fetchBytes(url) {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

// Load Python and our package: the manifest, Pyodide from the build's memory snapshot (or booted
// the plain way, our wheel installed with micropip), and when each phase ended. Every download is
// watched (downloads.js): the page sees bytes arrive, and the first one that fails ends loading
// with its reason, instead of leaving Pyodide to wait for it.
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
  emit({ type: "status", text: "Loading Python (Pyodide)…" });
  const pyodideURL = new URL(manifest.pyodide, base);
  // Fetched once first, so a missing or mistyped script is named; the imports then come
  // from the HTTP cache.
  await Promise.all(["pyodide.mjs", "pyodide.asm.mjs"].map(async (name) => (await fetch(new URL(name, pyodideURL))).arrayBuffer()));
  const { loadPyodide } = await import(new URL("pyodide.mjs", pyodideURL).href);
  phase("scripts");
  const wheel = fetchBytes(new URL(manifest.wheel, base)); // meanwhile
  wheel.catch(() => {}); // (a failure is the download watch's to report)
  const snapshot = manifest.snapshot ? new URL(manifest.snapshot, base) : null;
  let pyodide = await bootFromSnapshot(loadPyodide, snapshot, pyodideURL, wheel, optional);
  phases.snapshot = Boolean(pyodide);
  if (!pyodide) {
    pyodide = await loadPyodide({ indexURL: pyodideURL.href });
    phase("python");
    emit({ type: "status", text: "Installing microgpt…" });
    await installWithMicropip(pyodide, new URL(manifest.micropip, base), new URL(manifest.wheel, base));
  }
  phase("python ready");
  return { pyodide, manifest, phases };
}

// Python as build.py left it: booted, our package imported, the default model's kernels
// compiled (tools/make_snapshot.mjs), restored from a memory snapshot in well under a second.
// The files of our wheel are not in a memory snapshot: they are unpacked again. Any failure
// (a missing, damaged or mismatched snapshot) returns null: the plain boot takes over.
async function bootFromSnapshot(loadPyodide, url, pyodideURL, wheel, optional) {
  if (!url) return null;
  optional.add(url.href);
  try {
    const snapshot = gunzip(fetch(url));
    const restored = await loadPyodide({ indexURL: pyodideURL.href, _loadSnapshot: snapshot });
    restored.unpackArchive(await wheel, "wheel");
    return restored;
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

// PyPI's micropip wheel is not the one pyodide-lock.json hashes (build.py checked its own
// pin), so it is loaded by URL. A failed loadPackage only logs, so collect its errors, and
// check by importing.
async function installWithMicropip(pyodide, micropipURL, wheelURL) {
  const errors = [];
  await pyodide.loadPackage(micropipURL.href, {
    messageCallback: () => {},
    errorCallback: (message) => errors.push(message),
  });
  if (errors.length) throw new Error(`micropip did not load: ${errors.join("; ")}`);
  const micropip = pyodide.pyimport("micropip");
  // Keyword arguments need callKwargs: a positional object would be `keep_going`.
  await micropip.install.callKwargs(wheelURL.href, { deps: false });
  micropip.destroy();
}
