// Autosave: the last trained model, its loss curve, its dataset and its settings, kept in
// IndexedDB so a reload (or a new worker) brings them back. A store that is full or missing
// (private browsing, an old browser) makes these reject: the page says so and works without.

const DB = "microgpt", STORE = "autosave", KEY = "last";
const OPEN_TIMEOUT_MS = 3000; // an open that never answers (a known Safari failure) is given up

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

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      let request;
      try {
        request = action(transaction.objectStore(STORE));
      } catch (error) {
        return reject(reason(error)); // (a full quota may throw at once)
      }
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = transaction.onabort = () => reject(reason(transaction.error || request.error));
    });
  } finally {
    db.close();
  }
}

// The saved run, or undefined.
export const loadSaved = () => run("readonly", (store) => store.get(KEY));
export const save = (record) => run("readwrite", (store) => store.put(record, KEY));
export const forget = () => run("readwrite", (store) => store.delete(KEY));
