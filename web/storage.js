// Autosave: the last trained model, its loss curve, its dataset and its settings, kept in
// IndexedDB so a reload (or a new worker) brings them back. A store that is full or missing
// (private browsing, an old browser) makes these reject: the page says so and works without.

const DB = "microgpt", STORE = "autosave", KEY = "last";

function open() {
  return new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) return reject(new Error("this browser keeps no IndexedDB"));
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("the store is in use by another tab"));
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = transaction.onabort = () => reject(transaction.error || request.error);
    });
  } finally {
    db.close();
  }
}

// The saved run, or undefined.
export const loadSaved = () => run("readonly", (store) => store.get(KEY));
export const save = (record) => run("readwrite", (store) => store.put(record, KEY));
export const forget = () => run("readwrite", (store) => store.delete(KEY));
