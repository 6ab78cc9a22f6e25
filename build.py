#!/usr/bin/env python3
"""Build and serve the static site in dist/.

    python3 build.py                  build dist/
    python3 build.py serve [--port N] build, then serve dist/ on 127.0.0.1 (--port 0: any free port)
    python3 build.py bench            build, then time both engines in CPython and in the page

dist/ holds everything the page needs, so it works from any sub-path of any static host and
fetches nothing from a CDN: web/ (its modules bundled by esbuild into the page's script and the
worker's), the settings table of py/microgpt/settings.py, the built-in datasets
(data/datasets.json), Pyodide's runtime files, the zip Python starts with (the standard
modules the page needs and our package, py/microgpt, compiled), the lab's editor (CodeMirror,
bundled by esbuild from the npm packages package-lock.json pins), a memory snapshot and the
default model trained at build time. Downloads are pinned by hash and cached in .cache/ and node_modules/, so a second build
needs no network. Standard library only.
"""

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tools.serving import serve, serve_in_background

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
CACHE = ROOT / ".cache"

# Pyodide comes from the npm package; the integrity is what `npm view pyodide@314.0.7
# dist.integrity` publishes. The folder in dist/ carries the version, so browsers never mix
# a new release's files with cached files of an old one.
PYODIDE_VERSION = "314.0.7"
PYODIDE_INTEGRITY = "sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A=="
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
PYODIDE_DIR = f"pyodide-{PYODIDE_VERSION}/"


class BuildError(Exception):
    """A failure with a message for the user, shown without a traceback."""


# ---- downloads, pinned and cached ----

def run(command, **kwargs):
    """Run a command; on failure raise BuildError with the end of what it printed."""
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)
    except FileNotFoundError:
        raise BuildError(f"{command[0]} is not installed (needed for: {' '.join(command)})") from None
    except subprocess.CalledProcessError as error:
        output = (error.stderr or error.stdout or "").strip().splitlines()[-15:]
        raise BuildError(f"command failed: {' '.join(command)}\n" + "\n".join(output)) from None


def file_digest(path, algorithm):
    with open(path, "rb") as file:
        return hashlib.file_digest(file, algorithm)


def verify(path, algorithm, expected, encode=lambda digest: digest.hexdigest()):
    """Refuse a file whose hash is not the pinned one, and drop it from the cache."""
    actual = encode(file_digest(path, algorithm))
    if actual != expected:
        path.unlink()
        raise BuildError(
            f"{path.name}: {algorithm} mismatch (the file was removed from the cache)\n"
            f"  expected {expected}\n  got      {actual}"
        )
    return path


def pyodide_tarball():
    """The npm tarball of Pyodide, from .cache/ or else `npm pack`, checked against its integrity."""
    tarball = CACHE / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.exists():
        print(f"downloading pyodide@{PYODIDE_VERSION} (npm pack)…")
        CACHE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", tmp], cwd=tmp)
            Path(tmp, tarball.name).replace(tarball)
    algorithm, expected = PYODIDE_INTEGRITY.split("-", 1)
    return verify(tarball, algorithm, expected, lambda digest: base64.b64encode(digest.digest()).decode())


# ---- the pieces of dist/ ----

def copy_pyodide(dest):
    """Unpack the runtime files the page needs (~13.5 MB); the rest of the npm package is for Node."""
    dest.mkdir(parents=True)
    with tarfile.open(pyodide_tarball()) as tar:
        for name in PYODIDE_FILES:
            with tar.extractfile(f"package/{name}") as source, open(dest / name, "wb") as target:
                shutil.copyfileobj(source, target)


def make_core(out):
    """The zip the page starts Python with: the standard modules it needs and our package,
    compiled (tools/make_core.mjs, in Node)."""
    run(["node", str(ROOT / "tools" / "make_core.mjs"), str(DIST), str(ROOT / "py" / "microgpt"), str(out)])
    return out


def make_snapshot(out):
    """The Pyodide memory snapshot the page starts from (tools/make_snapshot.mjs, in Node)."""
    run(["node", str(ROOT / "tools" / "make_snapshot.mjs"), str(DIST), str(out)])
    return out


def train_default_run(models):
    """The default run (the default dataset and settings), trained in dist/'s Pyodide
    (tools/train_default.mjs): the model a first visit opens, as the CLI's checkpoint JSON
    named as the page names a download, and its losses."""
    from microgpt.settings import DEFAULTS  # (settings_table() put py/ on the path)

    name, entry = next(iter(builtin_datasets().items()))
    dataset = DIST / "data" / entry["file"]
    models.mkdir()
    stem = f"microgpt-{name}-{DEFAULTS['steps']}steps-seed{DEFAULTS['seed']}"
    checkpoint, losses = models / f"{stem}.json", models / f"{stem}.losses.json"
    run(["node", str(ROOT / "tools" / "train_default.mjs"), str(DIST), str(dataset), str(checkpoint), str(losses)])
    return {"checkpoint": versioned(checkpoint), "losses": versioned(losses)}


def npm_packages():
    """node_modules/ as package-lock.json pins them (npm ci, no install scripts), once per lock file."""
    lock, marker = ROOT / "package-lock.json", ROOT / "node_modules" / ".installed-lock.json"
    if not marker.exists() or marker.read_bytes() != lock.read_bytes():
        print("installing the pinned npm packages (npm ci)…")
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT)
        shutil.copy2(lock, marker)


# The page's modules and the worker's, each bundled into one script by esbuild: a first visit
# then asks for two scripts instead of fifty. On a slow link the fifty (a round trip for each
# level of imports, six connections at a time) held back the worker's start of Python. Not
# minified: dist/'s scripts stay readable, and the host's gzip does the shrinking.
ENTRY_SCRIPTS = ("main.js", "worker.mjs")


def bundle_scripts(dist):
    """Bundle ENTRY_SCRIPTS in dist/ in place, and remove the modules they took in (sw.js and the
    lab's editor, which the page loads on its own, stay)."""
    npm_packages()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ENTRY_SCRIPTS:
            run([str(ROOT / "node_modules" / ".bin" / "esbuild"), str(dist / name), "--bundle", "--format=esm",
                 "--legal-comments=none", f"--outfile={Path(tmp, name)}"])
        for path in list(dist.rglob("*.js")) + list(dist.rglob("*.mjs")):
            if path.name != "sw.js" and path.parent != dist / "lab":
                path.unlink()
        for name in ENTRY_SCRIPTS:
            shutil.move(Path(tmp, name), dist / name)
    for folder in sorted((path for path in dist.rglob("*") if path.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def bundle_editor(out):
    """The lab's editor (web/lab/editor.js: CodeMirror, pinned in package-lock.json) as one
    minified module, bundled by esbuild; the page imports it only when the lab is opened."""
    npm_packages()
    run([str(ROOT / "node_modules" / ".bin" / "esbuild"), str(ROOT / "web" / "lab" / "editor.js"), "--bundle",
         "--format=esm", "--minify", "--legal-comments=none", f"--outfile={out}"])
    return out


def versioned(path):
    """A relative URL with the file's hash as a query, so a changed file is never a stale cache hit.

    Used for files whose name does not change with their content (python-core.zip is named the
    same whatever our package holds). fetch ignores the query when naming the file.
    """
    return f"{path.relative_to(DIST).as_posix()}?v={file_digest(path, 'sha256').hexdigest()[:16]}"


def settings_table():
    """settings-table.js: py/microgpt/settings.py's table of settings and limits, and the
    built-in datasets of data/datasets.json, for the page."""
    sys.path.insert(0, str(ROOT / "py"))
    from microgpt import settings

    table = {name: {"kind": s.kind.__name__, "default": s.default, "label": s.label, "min": s.minimum,
                    "max": s.maximum, "choices": list(s.choices)} for name, s in settings.SETTINGS.items()}
    limits = {name: getattr(settings, name) for name in dir(settings) if name.startswith("MAX_")}
    return ("// Made by build.py from py/microgpt/settings.py and data/datasets.json: change them there.\n"
            f"export const SETTINGS = {json.dumps(table, indent=2)};\n"
            f"export const LIMITS = {json.dumps(limits, indent=2)};\n"
            f"export const DATASETS = {json.dumps(builtin_datasets(), indent=2)};\n")


def builtin_datasets():
    """The datasets the page offers, by name: data/datasets.json (the first is the default)."""
    return json.loads((ROOT / "data" / "datasets.json").read_text(encoding="utf-8"))


def build():
    """Wipe dist/ and build it again; return its path."""
    if DIST.exists():
        shutil.rmtree(DIST)
    shutil.copytree(ROOT / "web", DIST)
    (DIST / "settings-table.js").write_text(settings_table())
    bundle_scripts(DIST)
    (DIST / "data").mkdir()
    datasets = {name: versioned(Path(shutil.copy2(ROOT / "data" / entry["file"], DIST / "data" / entry["file"])))
                for name, entry in builtin_datasets().items()}
    bundle_editor(DIST / "lab" / "editor.js")  # (over the unbundled source copied with web/)
    copy_pyodide(DIST / PYODIDE_DIR)
    # Every path is relative to the page, so dist/ works from any sub-path.
    manifest = {"pyodide": PYODIDE_DIR, "datasets": datasets}
    (DIST / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    manifest["core"] = versioned(make_core(DIST / "python-core.zip"))
    (DIST / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    manifest["snapshot"] = versioned(make_snapshot(DIST / "snapshot.bin.gz"))
    manifest["model"] = train_default_run(DIST / "models")
    (DIST / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    seal(DIST, precache=[name for name, entry in builtin_datasets().items()][0])
    print(f"built {DIST.relative_to(ROOT)}/")
    return DIST


def seal(dist, precache):
    """Finish a build for its service worker (web/sw.js): precache.json lists every file the page
    needs to load and train on the dataset named precache, with its SHA-256 (not the lab's
    editor, nor the other datasets: they are cached when first used), and sw.js gets the build's id, a hash
    of all those files' contents, so each build has its own cache and a new build is an update.
    Then every file is made world-readable."""
    manifest = json.loads((dist / "manifest.json").read_text())
    others = {manifest["datasets"][name].split("?")[0] for name in manifest["datasets"] if name != precache}
    built = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*")
                   if path.is_file() and path.name not in ("sw.js", "precache.json")
                   and path.relative_to(dist).as_posix() not in others)
    files = [name for name in built if not name.startswith("lab/")]  # (the editor: cached when first opened)
    sha256 = {name: file_digest(dist / name, "sha256").hexdigest() for name in built}
    digest = hashlib.sha256()
    for name in built:  # (the editor too: a new editor is a new build)
        digest.update(name.encode() + b"\0" + bytes.fromhex(sha256[name]))
    build_id = digest.hexdigest()[:16]
    # Under the URLs the page asks for (the manifest's carry a version): the service worker's
    # request then finds what the first visit downloaded in the HTTP cache. index.html is "./".
    asked_as = {url.split("?")[0]: url for url in versioned_urls(manifest)}
    precache = {"./": sha256["index.html"],
                **{asked_as.get(name, name): sha256[name] for name in files if name != "index.html"}}
    (dist / "precache.json").write_text(json.dumps(precache, indent=1) + "\n")
    sw = dist / "sw.js"
    sw.write_text(re.sub(r'const BUILD = "[^"]*";', f'const BUILD = "{build_id}";', sw.read_text(), count=1))
    make_world_readable(dist)
    return build_id


def versioned_urls(manifest):
    """The URLs in manifest.json that name a file with its version (versioned())."""
    if isinstance(manifest, dict):
        return [url for value in manifest.values() for url in versioned_urls(value)]
    return [manifest] if "?v=" in manifest else []


def make_world_readable(directory):
    """Files 0644 and folders 0755, whatever the umask gave them: a dist/ uploaded with its
    permissions kept must not answer 403."""
    directory.chmod(0o755)
    for path in directory.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


# ---- commands ----

def command_build(args):
    build()


def command_serve(args):
    try:
        server = serve(DIST, args.port)  # bound first: a busy port must not cost a rebuild
    except OSError as error:
        raise BuildError(f"cannot serve on port {args.port}: {error.strerror}; "
                         "try another, or --port 0 for any free one") from None
    build()
    host, port = server.server_address[:2]
    print(f"serving dist/ at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def command_bench(args):
    sys.path.insert(0, str(ROOT / "py"))
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise BuildError("the benchmark drives Chromium with Playwright: run ./test.sh once "
                         "(it sets up .venv/), then .venv/bin/python build.py bench") from None
    from tools import bench

    server, url = serve_in_background(build())
    try:
        bench.run(url)
    finally:
        server.shutdown()


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("build", help="build dist/ (the default)").set_defaults(run=command_build)
    serve_parser = commands.add_parser("serve", help="build, then serve dist/ on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (0: any free port; default 8000)")
    serve_parser.set_defaults(run=command_serve)
    commands.add_parser("bench", help="build, then time both engines in CPython and in the page").set_defaults(
        run=command_bench)
    args = parser.parse_args(argv)
    if args.command is None:
        args.run = command_build
    return args


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)  # progress shows at once, even piped to a log
    args = parse_args(argv)
    try:
        args.run(args)
    except BuildError as error:
        sys.exit(f"build.py: error: {error}")


if __name__ == "__main__":
    main()
