// Autosave: the trained model, its loss curve, its dataset and its settings, kept in IndexedDB so
// a reload (or a new worker) brings them back. A store that is full or missing (private browsing,
// an old browser) makes these reject: the page says so and works without.
//
// Each tab keeps its own record (its id lives in sessionStorage, which a reload keeps), so two
// tabs that train never overwrite each other; the newest MAX_SAVES are kept. A tab is told when
// another tab saves (BroadcastChannel).

const DB = "microgpt", STORE = "autosave";
const OLD_KEY = "last"; // (the one record of the page before tabs kept their own)
const MAX_SAVES = 5;
const OPEN_TIMEOUT_MS = 3000; // an open that never answers (a known Safari failure) is given up
const channel = globalThis.BroadcastChannel ? new BroadcastChannel("microgpt-autosave") : null;

export const TAB = tabId(); // (also document.body.dataset.tab, for tests and tools)
const KEY = `tab:${TAB}`;

// The tab's id is taken out of sessionStorage while the page lives, and put back as it goes (a
// reload finds it): a tab duplicated meanwhile, which copies sessionStorage, gets an id of its own.
function tabId() {
  try {
    const id = sessionStorage.getItem("microgpt-tab") || Math.random().toString(36).slice(2, 10);
    sessionStorage.removeItem("microgpt-tab");
    addEventListener("pagehide", () => sessionStorage.setItem("microgpt-tab", id));
    return id;
  } catch {
    return "this"; // (no sessionStorage: one record, as before)
  }
}

function open() {
  return new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) return reject(new Error("this browser keeps no IndexedDB"));
    const timer = setTimeout(() => reject(new Error("the browser's storage did not answer")), OPEN_TIMEOUT_MS);
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => {
      clearTimeout(timer);
      resolve(request.result);
    };
    request.onerror = () => reject(reason(request.error));
    request.onblocked = () => reject(new Error("the store is in use by another tab"));
  });
}

// A storage error in words: some browsers give a full quota no message at all.
function reason(error) {
  if (error?.name === "QuotaExceededError") return new Error("the browser's storage for this site is full");
  return error?.message ? error : new Error(error?.name || "the browser's storage refused it");
}

// Run work(store) in one transaction; its result once the transaction is complete.
async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      let result;
      try {
        work(transaction.objectStore(STORE), (value) => (result = value));
      } catch (error) {
        return reject(reason(error)); // (a full quota may throw at once)
      }
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = transaction.onabort = () => reject(reason(transaction.error));
    });
  } finally {
    db.close();
  }
}

// Every record: [{key, value}], the newest first.
function all(store, done) {
  const records = [];
  store.openCursor().onsuccess = (event) => {
    const cursor = event.target.result;
    if (!cursor) return done(records.sort((a, b) => (b.value.savedAt ?? 0) - (a.value.savedAt ?? 0)));
    records.push({ key: cursor.key, value: cursor.value });
    cursor.continue();
  };
}

// The record to restore for the page's link (null: the address names nothing): this tab's own
// (a reload), else the newest saved for the same link, else, for a bare address, the newest of all.
export const loadSaved = (link) => run("readonly", (store, done) => all(store, (records) => {
  const mine = records.find((record) => record.key === KEY)?.value;
  const sameLink = records.find((record) => record.value.link === link)?.value;
  done((mine && (!link || mine.link === link) ? mine : sameLink) ?? (link ? null : records[0]?.value ?? null));
}));

// Keep this tab's record; the oldest beyond MAX_SAVES make room. Resolves to how many were dropped.
export async function save(record) {
  const dropped = await run("readwrite", (store, done) => {
    store.put({ ...record, savedAt: Date.now() }, KEY);
    all(store, (records) => {
      const others = records.filter((entry) => entry.key !== KEY);
      const extra = others.slice(MAX_SAVES - 1);
      for (const entry of extra) store.delete(entry.key);
      done(extra.length);
    });
  });
  channel?.postMessage({ tab: TAB, step: record.model?.step ?? null });
  return dropped;
}

// Forget what a reload of this address would restore (loadSaved): this tab's record, and every
// record saved for the address's link (null: none), whichever tab saved it; and the page's old
// single record.
export const forget = (link) => run("readwrite", (store) => {
  store.delete(KEY);
  store.delete(OLD_KEY);
  if (link) all(store, (records) => records.filter((record) => record.value.link === link).forEach((record) => store.delete(record.key)));
});

// listener({step}) when another tab saves its model.
export function onOtherTabSave(listener) {
  if (channel) channel.onmessage = ({ data }) => data?.tab !== TAB && listener(data);
}
