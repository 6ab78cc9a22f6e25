"""build.py and its tools: one copy of each module, and errors that end as one clean message."""
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
