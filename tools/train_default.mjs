// Train the default run at build time, so a first visit has a model to look inside before
// anyone trains (run by build.py, in Node):
//   node tools/train_default.mjs DIST_DIR DATASET_FILE CHECKPOINT_OUT LOSSES_OUT
// It trains in the Pyodide of dist/, the very Python the page runs, with the default settings
// (py/microgpt/settings.py) through the Session the page's worker drives: so the checkpoint is
// bit for bit the one the page makes when Train is pressed with the defaults. (CPython's libm
// may differ from Pyodide's in the last bit of an exp or a log: a model trained there would
// differ by rounding.)
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [distDir, datasetFile, checkpointOut, lossesOut] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const indexURL = path.join(path.resolve(distDir), manifest.pyodide);
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
// (from the zip the page starts with: tools/make_core.mjs)
const pyodide = await loadPyodide({ indexURL, stdLibURL: path.join(distDir, manifest.core.split("?")[0]) });
pyodide.globals.set("dataset", new Uint8Array(readFileSync(datasetFile)));
// The dataset goes in as a value (a Uint8Array), never as Python source.
const [checkpoint, losses] = pyodide.runPython(`
from microgpt.session import Session
from microgpt.settings import DEFAULTS
session = Session()
session.use_dataset(dataset)
session.start_training(**{name: DEFAULTS[name] for name in
                          ("steps", "seed", "n_embd", "n_head", "n_layer", "block_size", "engine")})
losses = []
while True:
    progress = session.train(seconds=1.0)
    losses += progress["losses"]
    if progress["step"] == progress["num_steps"]:
        break
session.save(), losses
`).toJs();
writeFileSync(checkpointOut, checkpoint);
writeFileSync(lossesOut, JSON.stringify(losses));
console.log(`the default run: ${losses.length} steps, final loss ${losses.at(-1).toFixed(4)}`);
