// Every download the worker makes while loading (Pyodide's own included: it calls fetch),
// watched: bytes loaded out of bytes total, for the page to show, and a plain reason the
// moment one fails. Without this, a missing or mistyped pyodide.asm.wasm leaves Pyodide
// waiting forever, with the cause only in the console. The page checks the worker's own
// script with the same rules when the worker never said a word (diagnoseWorkerScript).

const PROGRESS_EVERY_MS = 200;

// A download that failed: message for a person, details for the curious.
export class DownloadError extends Error {
  constructor(message, details) {
    super(message);
    this.details = details;
  }
}

// Patch fetch and WebAssembly.instantiateStreaming in this worker. onProgress(loaded, total)
// is called a few times a second while bytes arrive. Returns {failure, optional}: failure
// rejects with a DownloadError as soon as any download fails (race it against the loading it
// watches), except for the URLs (hrefs) added to the set optional, whose failures only reject
// their own fetch: the page can do without them.
export function watchDownloads(onProgress) {
  const optional = new Set();
  const realFetch = self.fetch.bind(self);
  const files = new Map(); // url → {loaded, total}
  let lastReport = 0, reject;
  const failure = new Promise((_, r) => (reject = r));
  const failOf = (url) => (error) => {
    if (!optional.has(url)) reject(error);
    return error;
  };
  const report = (force) => {
    const now = performance.now();
    if (!force && now - lastReport < PROGRESS_EVERY_MS) return;
    lastReport = now;
    let loaded = 0, total = 0;
    for (const file of files.values()) {
      loaded += file.loaded;
      total += Math.max(file.total, file.loaded);
    }
    onProgress(loaded, total);
  };

  self.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input, self.location.href);
    const name = url.pathname.split("/").pop();
    const fail = failOf(url.href);
    let response;
    try {
      response = await realFetch(input, init);
    } catch (error) {
      throw fail(unreachable(url, error));
    }
    const refused = refusal(url, response);
    if (refused) throw fail(refused);
    const file = { loaded: 0, total: Number(response.headers.get("Content-Length")) || 0 };
    files.set(url.href, file);
    const counted = response.body.pipeThrough(new TransformStream({
      transform(chunk, controller) {
        if (file.loaded === 0 && name.endsWith(".wasm") && !isWasm(chunk)) {
          return controller.error(fail(new DownloadError(`${name} is not WebAssembly: the server sent ` +
            "something else under its name.", `${url.href}: first bytes ${[...chunk.slice(0, 8)]}`)));
        }
        file.loaded += chunk.byteLength;
        report(false);
        controller.enqueue(chunk);
      },
      flush(controller) {
        report(true);
        if (file.loaded === 0) {
          controller.error(fail(new DownloadError(`${name} could not be downloaded: the server sent an ` +
            "empty file.", `${url.href}: 0 bytes`)));
        }
      },
    }));
    const watched = new Response(counted, { status: response.status, statusText: response.statusText,
                                            headers: response.headers });
    Object.defineProperty(watched, "url", { value: response.url });
    return watched;
  };

  // Pyodide compiles the wasm with instantiateStreaming and, if that fails, only logs it.
  const instantiateStreaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
  WebAssembly.instantiateStreaming = (source, imports) => instantiateStreaming(source, imports).catch((error) => {
    throw failOf("")(error instanceof DownloadError ? error : new DownloadError(
      "pyodide.asm.wasm could not be compiled: the file is damaged or not the one this page expects.",
      String(error)));
  });
  return { failure, optional };
}

// Why a download that answered can't be used (a DownloadError), or null: an HTTP error, or a
// script or wasm file sent as another type.
function refusal(url, response) {
  const name = url.pathname.split("/").pop();
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    return new DownloadError(`${name} could not be downloaded: the server answered ` +
      `${response.status}${response.status === 404 ? " (not found)" : ""}.`, `${url.href}: HTTP ${response.status} ${response.statusText}`);
  }
  if (/\.m?js$/.test(name) && !/^(text|application)\/(x-)?javascript/.test(type)) {
    return new DownloadError(`The server sends ${name} as ${type || "no type at all"}; browsers run ` +
      "scripts only when they come as text/javascript.", `${url.href}: Content-Type: ${type}`);
  }
  if (name.endsWith(".wasm") && !type.startsWith("application/wasm")) {
    return new DownloadError(`The server sends .wasm files as ${type || "no type at all"}; it must ` +
      "send them as application/wasm.", `${url.href}: Content-Type: ${type}`);
  }
  return null;
}

const unreachable = (url, error) => new DownloadError(`${url.pathname.split("/").pop()} could not be downloaded: ` +
  "the network, or a blocker in the browser, refused it.", `${url.href}: ${error.message}`);

// For the page: why a worker that never said a word did not start. Its script (url) is
// missing, mistyped or unreachable (offline), checked as the worker checks its downloads;
// else it broke while starting (details: what the browser said).
export async function diagnoseWorkerScript(url, details) {
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch (error) {
    return describe(unreachable(url, error));
  }
  const refused = refusal(url, response);
  return refused ? describe(refused) : { message: "The Python worker stopped while it started.", details };
}

const describe = (error) => ({ message: `The page could not start its Python worker. ${error.message}`, details: error.details });

const isWasm = (chunk) => chunk[0] === 0x00 && chunk[1] === 0x61 && chunk[2] === 0x73 && chunk[3] === 0x6d; // \0asm
