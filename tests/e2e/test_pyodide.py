"""The package under Pyodide (in Node) prints exactly what it prints under CPython."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "unit"))
from helpers import DATA, REFERENCE_RUNS, cli_args  # noqa: E402


@pytest.fixture(scope="module")
def node():
    return shutil.which("node") or pytest.fail("node is needed to run Pyodide outside the browser")


@pytest.mark.parametrize("engine", ["reference", "fast"])
@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_reference_runs_under_pyodide(node, dist, run, engine):
    data = DATA / REFERENCE_RUNS[run]["data"]
    args = cli_args(run, engine=engine)
    args[args.index(str(data))] = f"/data/{data.name}"
    result = subprocess.run([node, str(HERE / "pyodide_cli.mjs"), str(dist), str(data), "--", *args],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == (DATA / f"{run}.out").read_text(encoding="utf-8")
