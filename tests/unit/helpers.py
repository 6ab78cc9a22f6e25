"""Small shared pieces for the unit tests."""
from pathlib import Path

from microgpt.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
ROOT = DATA.parent.parent

# The reference runs of microgpt.py (../shared/reference), copied into tests/data.
REFERENCE_RUNS = {
    "elements-seed42-30steps": dict(data="elements.txt", steps=30, block_size=8, n_embd=16,
                                    n_head=4, n_layer=1, seed=42, temperature=0.5, samples=10),
    "elements-2layer-20steps": dict(data="elements.txt", steps=20, block_size=16, n_embd=8,
                                    n_head=2, n_layer=2, seed=1, temperature=1.0, samples=10),
    "cities-unicode-25steps": dict(data="cities.txt", steps=25, block_size=12, n_embd=16,
                                   n_head=4, n_layer=1, seed=7, temperature=0.8, samples=10),
}


def cli_args(run, **extra):
    """The `train` command line for a reference run."""
    settings = dict(REFERENCE_RUNS[run], data=str(DATA / REFERENCE_RUNS[run]["data"]), **extra)
    args = ["train"]
    for key, value in settings.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    return args


def run_cli(capsys, args):
    """Run the CLI in this process; return (exit code, stdout, stderr)."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(result, fragment):
    """A CLI run (run_cli's result) that failed as it should: exit 1 and one `error:` line
    that says why, never a traceback."""
    code, out, err = result
    assert code == 1, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err, err
