// The service worker: the site's files, precached under a name that is this build's content
// hash, so that after a first visit the page loads and trains with the network off, and never
// mixes files of two builds. build.py writes BUILD and precache.json (every file the page needs
// to load and train on the default dataset, with its SHA-256; the other datasets and the lab's
// editor are cached when first used).
//
// A new build installs beside the old one, in its own cache, and waits: the page shows "A new
// version is ready — reload", and only when the person reloads (the page posts "activate")
// does it take over and delete the old cache. It is hand-written rather than Workbox's: it is
// this page, a precache list and three events, and Workbox would need a bundler to ship
// without a CDN.
const BUILD = "dev"; // replaced by build.py
// One deployment's caches: another copy of the page on this origin (another path) has its own.
const PREFIX = `microgpt-${self.registration.scope}-`;
const CACHE = `${PREFIX}${BUILD}`;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const files = await (await fetch(`precache.json?build=${BUILD}`, { cache: "no-cache" })).json();
    const cache = await caches.open(CACHE);
    try {
      await Promise.all(Object.entries(files).map(async ([file, sha256]) => {
        const response = await ofThisBuild(file, sha256);
        if (file === "./") await cache.put("index.html", response.clone()); // (the page by its other name)
        await cache.put(file, file.split("?")[0].endsWith(".gz") ? gunzipped(response) : response);
      }));
    } catch (error) {
      await caches.delete(CACHE); // all, or none
      throw error;
    }
  })());
});

// A file as this build has it (precache.json gives its SHA-256). First revalidated against the
// HTTP cache: a first visit has just downloaded most of the site, and asking the server again
// costs a round trip, not the bytes. Then, if what came is not this build's file, afresh
// ("reload"): a file changed within the same second keeps its Last-Modified, so revalidation
// may call an old copy fresh.
async function ofThisBuild(file, sha256) {
  for (const cache of ["no-cache", "reload"]) {
    const response = await fetch(file, { cache });
    if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
    if ((await hex(await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer()))) === sha256) {
      return response;
    }
  }
  throw new Error(`${file}: the server has another file than this build's`);
}

// A gzipped file (the memory snapshot) is kept unpacked: a later visit reads it without the work
// of unpacking it (boot.mjs takes it either way).
function gunzipped(response) {
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip")), { headers });
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

self.addEventListener("message", (event) => {
  if (event.data === "activate") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    // (No clients.claim(): a page that came from the network stays with the network until it
    // reloads, so it can't mix files of two builds.)
  })());
});

// Same-origin GETs come from this build's cache (the query is a version tag, and one build has
// one version of each file); anything not precached, from the network, kept for next time.
self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return withHeaders(request, cached);
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      cache.put(request, response.clone()).catch(() => {}); // (a full disk only costs the offline copy)
    }
    return withHeaders(request, response);
  })());
});

// The page is cross-origin isolated when it comes from here: it can then share memory with its
// Python worker, and a Stop in the lab interrupts Python at once (Pyodide's interrupt buffer)
// instead of ending the worker. A static host such as GitHub Pages can't send these headers; the
// service worker can. Everything the page loads is its own origin's, so nothing is blocked.
// They go only where they matter: on the page and its workers, and on the manifest (boot.mjs
// reads them there: an answer with them comes from here, so the memory snapshot is here). A
// response given new headers streams through this worker's thread, several times slower than
// one handed on as the cache has it: Python's runtime and its snapshot are handed on.
function withHeaders(request, response) {
  const wanted = request.mode === "navigate" || request.destination === "worker" ||
    new URL(request.url).pathname.endsWith("/manifest.json");
  return wanted ? isolated(response) : response;
}

function isolated(response) {
  if (response.type !== "basic" && response.type !== "default") return response;
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
