// Make the cut-down standard library the page starts Python with (run by build.py, in Node):
//   node tools/make_stdlib.mjs DIST_DIR OUT_FILE
// Pyodide's python_stdlib.zip is 2.5 MB of Python source, and Python compiles each module it
// imports at every start. This boots the pinned Pyodide of dist/, unpacks our wheel, imports
// every module of the package and runs what the page runs (a training step, a sampled name), then
// writes the modules that are now imported from the standard library, compiled (.pyc, by this
// very Python, without docstrings), to OUT_FILE: ~1.1 MB that starts in a fraction of the time. Beside them,
// stdlib-rest.txt names every module of the whole zip left out: microgpt/lazy_stdlib.py fetches
// the whole zip the first time one of those is imported (a lab edit may import anything).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [distDir, outFile] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const indexURL = path.join(path.resolve(distDir), manifest.pyodide);
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL });
pyodide.unpackArchive(new Uint8Array(readFileSync(path.join(distDir, manifest.wheel.split("?")[0]))), "wheel");
const run = (code) => {
  try {
    pyodide.runPython(code);
  } catch (error) { // (the message alone: the stack is one minified line of Pyodide)
    console.error(error.message);
    process.exit(1);
  }
};
run(`
import importlib, pkgutil, sys, zipfile
import importlib._bootstrap_external as bootstrap
import microgpt
from microgpt.session import Session

for module in pkgutil.iter_modules(microgpt.__path__, "microgpt."):
    if module.name not in ("microgpt.__main__", "microgpt.cli"):  # (the command line, not the page)
        importlib.import_module(module.name)
# What the page does first: train the default model a step, sample a name.
session = Session("ab\\nba\\n" + "".join(chr(97 + i) for i in range(26)) + "\\n")
session.start_training(steps=2, seed=0, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
session.train(seconds=0.0)
list(session.generate(samples=1, temperature=0.5, seed=0))

STDLIB = next(entry for entry in sys.path if entry.endswith(".zip"))  # /lib/python314.zip
ZIP = STDLIB + "/"
whole = zipfile.ZipFile(STDLIB)
used = sorted({m.__spec__.origin[len(ZIP):] for m in list(sys.modules.values())
               if getattr(m, "__spec__", None) and (m.__spec__.origin or "").startswith(ZIP)})

def module_name(file):
    name = file.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return name if file.endswith(".py") else None

rest = sorted({module_name(f) for f in whole.namelist()} - {module_name(f) for f in used} - {None})
with zipfile.ZipFile("/tmp/stdlib-core.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as core:
    for file in used:
        source = whole.read(file)
        # optimize=2, as python -OO: no docstrings (a fifth of the bytes) and no asserts.
        code = compile(source, ZIP + file, "exec", dont_inherit=True, optimize=2)
        # Unchecked hash-based .pyc: there is no source beside it to check against.
        core.writestr(zipfile.ZipInfo(file + "c", (1980, 1, 1, 0, 0, 0)),
                      bootstrap._code_to_hash_pyc(code, b"\\0" * 8, checked=False), zipfile.ZIP_DEFLATED)
    core.writestr(zipfile.ZipInfo("stdlib-rest.txt", (1980, 1, 1, 0, 0, 0)), "\\n".join(rest) + "\\n",
                  zipfile.ZIP_DEFLATED)
print(f"stdlib: {len(used)} modules compiled, {len(rest)} left to fetch on first import")
`);
writeFileSync(outFile, pyodide.FS.readFile("/tmp/stdlib-core.zip"));
