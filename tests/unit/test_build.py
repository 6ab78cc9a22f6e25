"""build.py and its tools: one copy of each module, errors that end as one clean message, and the
service worker's precache list."""
import hashlib
import json
import subprocess
import sys
import types

import pytest

from helpers import ROOT

sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the repo root)


def test_no_tool_imports_build_py():
    """The benchmark, the screenshot maker and the serving module import without build.py: running
    `python3 build.py bench` loads build.py once, so it has one BuildError."""
    check = ("import sys; sys.path[:0] = ['.', 'py']; import tools.bench, tools.bench_load, tools.screenshot, "
             "tools.serving; print(sorted(name for name in sys.modules if name == 'build' or name == '__main__'))")
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['__main__']"


def test_a_build_error_on_the_benchmark_path_ends_as_one_clean_message(monkeypatch, capsys):
    def broken_build():
        raise build.BuildError("npm is not installed (needed for: npm pack pyodide@314.0.7)")
    monkeypatch.setattr(build, "build", broken_build)
    monkeypatch.setitem(sys.modules, "playwright", types.ModuleType("playwright"))  # (found or not, here)
    with pytest.raises(SystemExit) as exit:
        build.main(["bench"])
    assert exit.value.code == "build.py: error: npm is not installed (needed for: npm pack pyodide@314.0.7)"
    assert "Traceback" not in capsys.readouterr().err


def test_the_precache_lists_each_file_under_the_url_the_page_asks_for_with_its_hash(tmp_path):
    """(issues 21, 22) The service worker finds in the HTTP cache what a first visit downloaded
    (so, under the page's own URLs, versions included), and checks each file against its hash."""
    files = {"index.html": "<!doctype html>", "style.css": "body {}", "data/names.txt": "ann\n",
             "data/cities.txt": "paris\n", "lab/editor.js": "// the editor", "sw.js": 'const BUILD = "dev";\n',
             "manifest.json": '{"datasets": {"names": "data/names.txt?v=1234", "cities": "data/cities.txt?v=5678"}}'}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    build_id = build.seal(tmp_path, precache="names")
    precache = json.loads((tmp_path / "precache.json").read_text())
    sha256 = lambda name: hashlib.sha256(files[name].encode()).hexdigest()
    assert precache == {"./": sha256("index.html"), "data/names.txt?v=1234": sha256("data/names.txt"),
                        "manifest.json": sha256("manifest.json"), "style.css": sha256("style.css")}
    assert f'const BUILD = "{build_id}";' in (tmp_path / "sw.js").read_text()
    (tmp_path / "lab" / "editor.js").write_text("// another editor")  # not precached, but a new build
    assert build.seal(tmp_path, precache="names") != build_id
