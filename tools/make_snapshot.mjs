// Make the Pyodide memory snapshot the page starts from (run by build.py, in Node):
//   node tools/make_snapshot.mjs DIST_DIR OUT_FILE
// It boots the pinned Pyodide of dist/ from the zip the page starts with (tools/make_core.mjs:
// the standard modules it needs and our package), imports the package and compiles the fast
// engine's kernels for the default model and its views (one training step and one sampled name
// on a throwaway model, which is then opened and shown), then writes the memory snapshot,
// without its pages of zeros (web/snapshot-file.js), gzipped. The page restores it in a fraction
// of a second instead of booting Python.
// loadPyodide's _makeSnapshot/_loadSnapshot are private and experimental: the page checks the
// snapshot (the file's header, gzip's CRC, Pyodide's build id) and falls back to a plain boot on
// any failure.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

import { withoutZeroPages } from "../web/snapshot-file.js";

const [distDir, outFile] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const indexURL = path.join(path.resolve(distDir), manifest.pyodide);
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
// From the zip the page restores it with: Python's memory holds the zip's index (zipimport's),
// which must be the zip the page gives it.
const stdLibURL = path.join(distDir, manifest.core.split("?")[0]);
const pyodide = await loadPyodide({ indexURL, stdLibURL, _makeSnapshot: true });
// Every kernel the default model and its views need, compiled now.
pyodide.runPython("from microgpt.session import rehearse_first_visit; rehearse_first_visit()");
const snapshot = pyodide.makeMemorySnapshot();
const file = withoutZeroPages(snapshot);
writeFileSync(outFile, zlib.gzipSync(file, { level: 9 }));
console.log(`snapshot: ${snapshot.length} bytes, ${file.length} without its zero pages, ${path.basename(outFile)} gzipped`);
