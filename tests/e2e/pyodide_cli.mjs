// Run the microgpt CLI under Pyodide in Node, from the built dist/, and print what it prints.
//   node pyodide_cli.mjs DIST_DIR DATA_FILE -- CLI_ARGS...
// The data file is copied into Pyodide's file system at /data/<its name>; the arguments reach
// Python as a list (toPy), not as source.
import { readFileSync } from "node:fs";
import path from "node:path";

const [distDir, dataFile, separator, ...cliArgs] = process.argv.slice(2);
if (separator !== "--") throw new Error("usage: node pyodide_cli.mjs DIST_DIR DATA_FILE -- CLI_ARGS...");
const manifest = JSON.parse(readFileSync(path.join(distDir, "manifest.json"), "utf8"));
const pyodideDir = path.join(distDir, manifest.pyodide);
const { loadPyodide } = await import(path.join(pyodideDir, "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: pyodideDir });
pyodide.setStdout({ batched: (line) => process.stdout.write(line + "\n") });
pyodide.setStderr({ batched: (line) => process.stderr.write(line + "\n") });
// Our package as the page has it, in the zip it starts with (tools/make_core.mjs), after the
// whole standard library (the command line imports more of it). A Node Buffer is not a typed
// array Pyodide accepts: copy it into a Uint8Array.
pyodide.FS.writeFile("/lib/core.zip", new Uint8Array(readFileSync(path.join(distDir, manifest.core.split("?")[0]))));
pyodide.pyimport("sys").path.append("/lib/core.zip");
pyodide.FS.mkdirTree("/data");
pyodide.FS.writeFile(`/data/${path.basename(dataFile)}`, new Uint8Array(readFileSync(dataFile)));
const main = pyodide.pyimport("microgpt.cli").main;
process.exitCode = main(pyodide.toPy(cliArgs));
