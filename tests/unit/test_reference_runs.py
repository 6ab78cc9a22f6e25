"""The package prints exactly what microgpt.py printed, loss lines and names to the character."""
import pytest

from helpers import DATA, REFERENCE_RUNS, cli_args, run_cli


@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_reference_run_is_reproduced(capsys, run):
    code, out, err = run_cli(capsys, cli_args(run, engine="reference"))
    assert (code, err) == (0, "")
    assert out == (DATA / f"{run}.out").read_text(encoding="utf-8")
