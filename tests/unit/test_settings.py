"""The table of settings: one place for every default and limit, in the CLI and the page."""
import json
import math
import shutil
import subprocess
import sys

import pytest

from microgpt import GPTConfig, MicrogptError
from microgpt.settings import DEFAULTS, SETTINGS, check

from helpers import ROOT


def test_the_model_and_the_run_start_from_the_tables_defaults():
    assert (GPTConfig().n_embd, GPTConfig().n_head, GPTConfig().n_layer, GPTConfig().block_size) == \
        (DEFAULTS["n_embd"], DEFAULTS["n_head"], DEFAULTS["n_layer"], DEFAULTS["block_size"])


@pytest.mark.parametrize("name, value", [
    ("steps", 0), ("steps", 20001), ("steps", True), ("steps", 2.0), ("steps", "5"),
    ("temperature", 0.0), ("temperature", math.nan), ("temperature", math.inf), ("temperature", 1e-310),
    ("engine", "turbo"), ("sample_seed", -1), ("seed", None),
])
def test_a_bad_value_is_refused_with_its_name_and_range(name, value):
    with pytest.raises(MicrogptError, match=f"^{name} must be"):
        check(name, value)


@pytest.mark.parametrize("name, value", [("temperature", 1), ("sample_seed", None), ("steps", 20000)])
def test_a_good_value_passes(name, value):
    assert check(name, value) == value


def test_the_page_gets_the_same_table(tmp_path):
    """build.py writes the table into the site as a module: Node reads what Python holds."""
    node = shutil.which("node") or pytest.fail("node is needed for the page's module tests")
    sys.path.insert(0, str(ROOT))
    import build

    (tmp_path / "settings-table.mjs").write_text(build.settings_table())
    result = subprocess.run([node, "--input-type=module", "-e",
                             f"import {{ SETTINGS }} from '{tmp_path / 'settings-table.mjs'}';"
                             "console.log(JSON.stringify(SETTINGS))"], capture_output=True, text=True, timeout=60)
    page = json.loads(result.stdout)
    assert {name: spec["default"] for name, spec in page.items()} == DEFAULTS
    assert {name: (spec["min"], spec["max"], tuple(spec["choices"])) for name, spec in page.items()} == \
        {name: (s.minimum, s.maximum, s.choices) for name, s in SETTINGS.items()}
