// See index.html: loadPyodide() from the given folder, then "ready" (or "failed").
self.onmessage = async ({ data: indexURL }) => {
  try {
    const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
    await loadPyodide({ indexURL });
    self.postMessage("ready");
  } catch (error) {
    console.error(error);
    self.postMessage("failed");
  }
};
