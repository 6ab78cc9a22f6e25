"""The lab (py/microgpt/lab.py): an edited loop run on the model, its presets, its errors, the
standalone script and the CLI's --loop."""
import subprocess
import sys

import pytest

from microgpt import MicrogptError, lab
from microgpt.session import Session

from helpers import DATA, run_cli

SAMPLES, TEMPERATURE, SEED = 6, 0.7, 5


@pytest.fixture(scope="module")
def session():
    session = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    session.start_training(steps=30, seed=1, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
    while session.train(seconds=1.0)["step"] < 30:
        pass
    return session


def lab_names(session, source, seed=SEED, temperature=TEMPERATURE):
    events = list(session.lab_run(source, SAMPLES, temperature, seed))
    assert not [event for event in events if "error" in event], events
    return [event["name"] for event in events if "name" in event], events


def generated(session, seed=SEED, **mode):
    return [e["name"] for e in session.generate(SAMPLES, TEMPERATURE, seed, **mode) if "name" in e]


def test_the_original_loop_writes_the_generate_cards_names_and_is_the_one_shown(session):
    names, events = lab_names(session, lab.preset("original"))
    assert names == generated(session)
    assert all(event["name"] == event["original"] for event in events if "name" in event)
    typed = "".join(event["char"] for event in events if "char" in event)
    assert typed == "".join(names)  # each name's characters come first


def test_the_original_is_the_package_loop_text(session):
    lines = session.inspect_start(0.5)["source"]["lines"]
    assert lab.preset("original") == "\n".join(lines) + "\n"


@pytest.mark.parametrize("preset, mode", [("greedy", dict(sampling="greedy")),
                                          ("top-k", dict(sampling="top-k", top_k=5)),
                                          ("top-p", dict(sampling="top-p", top_p=0.9))])
def test_the_sampling_presets_write_what_the_generate_card_writes(session, preset, mode):
    assert lab_names(session, lab.preset(preset))[0] == generated(session, **mode)


def test_no_kv_cache_writes_the_same_names_and_ignoring_bos_fills_the_block(session):
    assert lab_names(session, lab.preset("no-kv-cache"))[0] == generated(session)
    assert {len(name) for name in lab_names(session, lab.preset("ignore-bos"))[0]} == {8}
    assert lab_names(session, lab.preset("temperature-schedule"))[0] != generated(session)


def test_each_preset_is_a_small_readable_edit_of_the_original():
    original = lab.preset("original").splitlines()
    for name in lab.PRESETS:
        edited = lab.preset(name).splitlines()
        changed = len(set(edited) - set(original))
        assert changed <= 12, name
        assert "def sample(gpt, model, temperature, rng):" in edited


def test_without_a_seed_the_lab_draws_from_the_runs_stream_and_leaves_it_where_it_was(session):
    state = session.run.rng.getstate()
    names = lab_names(session, lab.preset("original"), seed=None)[0]
    assert session.run.rng.getstate() == state
    assert names == generated(session, seed=None)


def test_print_output_and_errors_come_back_with_the_line(session):
    events = list(session.lab_run("def sample(gpt, model, temperature, rng):\n    print('hello')\n    return 1 / 0\n",
                                  2, TEMPERATURE, SEED))
    assert events[0] == {"output": "hello\n"}
    error = events[-1]["error"]
    assert error["line"] == 3 and error["message"] == "ZeroDivisionError: division by zero (line 3)"
    assert error["trace"].startswith("Traceback") and 'File "<the lab>", line 3, in sample' in error["trace"]
    assert "microgpt" not in error["trace"]  # the package's frames are no news


@pytest.mark.parametrize("source, message, line", [
    ("def sample(gpt, model, temperature, rng)\n    pass\n", "line 1: expected ':'", 1),
    ("x = 1\n", "the loop must define sample(gpt, model, temperature, rng)", None),
    ("def sample(gpt, model, temperature, rng):\n    return 42\n", "TypeError: sample() must return the name, a str, "
     "not int", None),
    ("import nothing_of_the_sort\n", "ModuleNotFoundError: No module named 'nothing_of_the_sort' (line 1)", 1),
    ("def sample(gpt, model, temperature, rng):\n    raise MemoryError\n", "the loop ran out of memory", 2),
])
def test_a_broken_edit_is_said_plainly(session, source, message, line):
    [event] = [event for event in session.lab_run(source, 2, TEMPERATURE, SEED) if "error" in event]
    assert (event["error"]["message"], event["error"]["line"]) == (message, line)


def test_bad_input_to_the_lab_is_refused(session):
    with pytest.raises(MicrogptError, match="no preset"):
        session.lab_preset("nope")
    with pytest.raises(MicrogptError, match="longer than"):
        list(session.lab_run("#" * (lab.MAX_SOURCE + 1), 1, TEMPERATURE, SEED))
    with pytest.raises(MicrogptError, match="temperature"):
        session.lab_run(lab.preset("original"), 1, 0, SEED)
    with pytest.raises(MicrogptError, match="sampling seed"):
        session.lab_script(lab.preset("original"), 1, TEMPERATURE, None)


@pytest.mark.parametrize("preset", ["original", "top-p", "no-kv-cache"])
def test_the_standalone_script_prints_the_labs_names_with_plain_python(session, preset, tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(session.lab_script(lab.preset(preset), SAMPLES, TEMPERATURE, SEED), encoding="utf-8")
    result = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == lab_names(session, lab.preset(preset))[0]


def test_the_cli_runs_an_edited_loop_as_the_page_does(session, capsys, tmp_path):
    model = tmp_path / "model.json"
    model.write_text(session.save(), encoding="utf-8")
    loop = tmp_path / "greedy.py"
    loop.write_text(lab.preset("greedy"), encoding="utf-8")
    code, out, err = run_cli(capsys, ["sample", "--model", str(model), "--loop", str(loop), "--samples", str(SAMPLES),
                                      "--temperature", str(TEMPERATURE), "--seed", str(SEED)])
    assert code == 0, err
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == lab_names(session, lab.preset("greedy"))[0]
    loop.write_text("def sample(gpt, model, temperature, rng):\n    return 1 / 0\n", encoding="utf-8")
    code, out, err = run_cli(capsys, ["sample", "--model", str(model), "--loop", str(loop), "--seed", "1"])
    assert code == 1 and "ZeroDivisionError" in err and err.rstrip().splitlines()[-1].startswith("error: the loop in")
    code, out, err = run_cli(capsys, ["sample", "--model", str(model), "--loop", str(tmp_path / "missing.py")])
    assert code == 1 and "cannot read the loop" in err
