// Make the Pyodide memory snapshot the page starts from (run by build.py, in Node):
//   node tools/make_snapshot.mjs DIST_DIR OUT_FILE
// It boots the pinned Pyodide of dist/, unpacks our wheel, imports the package
// and compiles the fast engine's kernels for the default model (one training step and one
// sampled name on a throwaway model), then writes the memory snapshot, gzipped. The page
// restores it in about a second instead of booting Python and installing anew.
// loadPyodide's _makeSnapshot/_loadSnapshot are private and experimental: the page checks the
// snapshot (gzip's CRC, Pyodide's build id) and falls back to a plain boot on any failure.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const [distDir, outFile] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const indexURL = path.join(path.resolve(distDir), manifest.pyodide);
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
// From the cut-down standard library (tools/make_stdlib.mjs) the page restores it with: Python's
// memory holds the zip's index (zipimport's), which must be the zip the page gives it.
const stdLibURL = path.join(distDir, manifest.stdlib.split("?")[0]);
const pyodide = await loadPyodide({ indexURL, stdLibURL, _makeSnapshot: true });
// Our wheel, unpacked into site-packages as the page unpacks it. The unpacked files live in the
// in-memory file system, which a snapshot does not hold: the page unpacks them again.
const wheelPath = path.join(distDir, manifest.wheel.split("?")[0]);
pyodide.unpackArchive(new Uint8Array(readFileSync(wheelPath)), "wheel");
pyodide.runPython(`
import microgpt.session
from microgpt.session import Session, take
# The default model, trained one step and sampled once: every kernel it needs is compiled now.
_warm = Session("ab\\nba\\n" + "".join(chr(97 + i) for i in range(26)) + "\\n")
_warm.start_training(steps=2, seed=0, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
_warm.train(seconds=0.0)
list(_warm.generate(samples=1, temperature=0.5, seed=0))
del _warm
`);
const snapshot = pyodide.makeMemorySnapshot();
writeFileSync(outFile, zlib.gzipSync(snapshot, { level: 9 }));
console.log(`snapshot: ${snapshot.length} bytes, ${path.basename(outFile)} gzipped`);
