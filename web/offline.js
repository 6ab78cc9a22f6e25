// Offline use: register the service worker (sw.js), and offer a new version when one has
// arrived. Where a service worker can't run (file://, a private mode, an old browser) the page
// works as it always did.

export async function registerServiceWorker(store) {
  if (!navigator.serviceWorker || !window.isSecureContext) return;
  // A page that no service worker served is a first visit: what installs now is no update.
  const controlled = Boolean(navigator.serviceWorker.controller);
  let registration;
  try {
    registration = await navigator.serviceWorker.register("sw.js");
  } catch (error) {
    console.info(`microgpt: no offline copy in this browser (${error.message})`);
  }
  if (!registration) return; // (blocked: some browsers and policies resolve to nothing)
  // A new build waits in its own cache until the person reloads; never on its own.
  const offer = () => controlled && registration.waiting && store.update({ update: true });
  const watch = (worker) => worker?.addEventListener("statechange", () => worker.state === "installed" && offer());
  offer();
  watch(registration.installing); // (one may be on its way already, found when the page loaded)
  registration.addEventListener("updatefound", () => watch(registration.installing));
  // Another tab may let the new build in: this tab's files are then the old build's, and its
  // next request would get the new one's. Offer the reload.
  if (controlled) navigator.serviceWorker.addEventListener("controllerchange", () => store.update({ update: true }));
  document.getElementById("update-reload").addEventListener("click", () => {
    if (!registration.waiting) return location.reload();
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload());
    registration.waiting.postMessage("activate");
  });
}
