// Make the zip Python starts with in the page (run by build.py, in Node):
//   node tools/make_core.mjs DIST_DIR PACKAGE_DIR OUT_FILE
// Pyodide's python_stdlib.zip is 2.5 MB of Python source, and Python compiles each module it
// imports at every start, ours among them. This boots the pinned Pyodide of dist/, imports every
// module of our package (PACKAGE_DIR, py/microgpt) and does what the page does first
// (session.rehearse_first_visit), then writes to OUT_FILE, compiled by this very Python:
// - the modules now imported from the standard library (.pyc without docstrings: ~1.1 MB);
// - our package, each module as its source and its .pyc (the source for tracebacks and for
//   inspect, which the lab and the standalone script read);
// - stdlib-rest.txt, every module of the whole zip left out: microgpt/lazy_stdlib.py fetches the
//   whole zip the first time one of those is imported (a lab edit may import anything).
// The page gives it to Pyodide as its standard library (stdLibURL), at /lib/python314.zip: its
// package comes with Python, with nothing to download or unpack beside it.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [distDir, packageDir, outFile] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const indexURL = path.join(path.resolve(distDir), manifest.pyodide);
const { loadPyodide } = await import(path.join(indexURL, "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL });
const PACKAGE = "/package/microgpt";
pyodide.FS.mkdirTree(PACKAGE);
for (const name of readdirSync(packageDir).filter((name) => name.endsWith(".py")).sort()) {
  pyodide.FS.writeFile(`${PACKAGE}/${name}`, new Uint8Array(readFileSync(path.join(packageDir, name))));
}
const run = (code) => {
  try {
    pyodide.runPython(code);
  } catch (error) { // (the message alone: the stack is one minified line of Pyodide)
    console.error(error.message);
    process.exit(1);
  }
};
run(`
import importlib, os, pkgutil, sys, zipfile
import importlib._bootstrap_external as bootstrap
sys.path.insert(0, "/package")
import microgpt
from microgpt.session import rehearse_first_visit

for module in pkgutil.iter_modules(microgpt.__path__, "microgpt."):
    if module.name not in ("microgpt.__main__", "microgpt.cli"):  # (the command line, not the page)
        importlib.import_module(module.name)
rehearse_first_visit()  # (what the page does first imports what it needs)

STDLIB = next(entry for entry in sys.path if entry.endswith(".zip"))  # /lib/python314.zip
ZIP = STDLIB + "/"
whole = zipfile.ZipFile(STDLIB)
used = sorted({m.__spec__.origin[len(ZIP):] for m in list(sys.modules.values())
               if getattr(m, "__spec__", None) and (m.__spec__.origin or "").startswith(ZIP)})

def module_name(file):
    name = file.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return name if file.endswith(".py") else None

def add(core, name, data):
    core.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)

def compiled(source, file, optimize):
    # Unchecked hash-based .pyc: nothing to check it against at every start (the zip is one build's).
    code = compile(source, ZIP + file, "exec", dont_inherit=True, optimize=optimize)
    return bootstrap._code_to_hash_pyc(code, b"\\0" * 8, checked=False)

rest = sorted({module_name(f) for f in whole.namelist()} - {module_name(f) for f in used} - {None})
ours = sorted(f"microgpt/{name}" for name in os.listdir("${PACKAGE}") if name.endswith(".py"))
with zipfile.ZipFile("/tmp/core.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as core:
    for file in used:  # optimize=2, as python -OO: no docstrings (a fifth of the bytes) and no asserts
        add(core, file + "c", compiled(whole.read(file), file, optimize=2))
    for file in ours:  # as CPython runs it, asserts and all
        source = open(f"/package/{file}", "rb").read()
        add(core, file, source)
        add(core, file + "c", compiled(source, file, optimize=0))
    add(core, "stdlib-rest.txt", "\\n".join(rest) + "\\n")
print(f"core: {len(used)} standard modules and {len(ours)} of ours compiled, {len(rest)} left to fetch on first import")
`);
writeFileSync(outFile, pyodide.FS.readFile("/tmp/core.zip"));
