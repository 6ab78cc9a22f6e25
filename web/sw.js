// The service worker: the site's files, precached under a name that is this build's content
// hash, so that after a first visit the page loads and trains with the network off, and never
// mixes files of two builds. build.py writes BUILD and precache.json (every file the page needs
// to load and train on the default dataset; the other datasets are cached when first used).
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
    // Each file afresh from the server ("reload"), never revalidated against the HTTP cache: a
    // file changed within the same second keeps its Last-Modified, and would stay stale. All, or none.
    await cache.addAll(files.map((file) => new Request(file, { cache: "reload" })));
  })());
});

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
    if (cached) return isolated(cached);
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      cache.put(request, response.clone()).catch(() => {}); // (a full disk only costs the offline copy)
    }
    return isolated(response);
  })());
});

// The page is cross-origin isolated when it comes from here: it can then share memory with its
// Python worker, and a Stop in the lab interrupts Python at once (Pyodide's interrupt buffer)
// instead of ending the worker. A static host such as GitHub Pages can't send these headers; the
// service worker can. Everything the page loads is its own origin's, so nothing is blocked.
function isolated(response) {
  if (response.type !== "basic" && response.type !== "default") return response;
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
