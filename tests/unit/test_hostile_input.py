"""Hostile files, huge settings, broken saves: the CLI answers each with one `error:` line and
exit 1, quickly, and never damages a file that was there before."""
import json
import os
import signal

import pytest

from microgpt import fast
from microgpt.dataset import load_docs, parse_docs

from helpers import DATA, assert_one_line_error, cli_args, run_cli

ELEMENTS = str(DATA / "elements.txt")
SMALL = ["--steps", "2", "--n-embd", "8", "--n-head", "2", "--samples", "2"]
BEFORE = "what was here before\n"


@pytest.fixture
def existing(tmp_path):
    """A file that must survive every failure."""
    path = tmp_path / "existing.json"
    path.write_text(BEFORE)
    return path


@pytest.fixture
def saved(capsys, tmp_path):
    """A good checkpoint's JSON, as a dict to tamper with."""
    path = tmp_path / "good.json"
    assert run_cli(capsys, ["train", "--data", ELEMENTS, *SMALL, "--samples", "0", "--out", str(path)])[0] == 0
    return json.loads(path.read_text())


# 1. The output can't be an input.

def test_out_may_not_overwrite_the_data(capsys, tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("abc\nbcd\n")
    assert_one_line_error(run_cli(capsys, ["train", "--data", str(data), "--out", str(data), *SMALL]), "--data")
    assert data.read_text() == "abc\nbcd\n"


def test_out_may_not_overwrite_the_resumed_checkpoint(capsys, tmp_path, saved):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(saved))
    assert_one_line_error(run_cli(capsys, ["train", "--data", ELEMENTS, "--resume", str(path), "--out", str(path)]),
                 "--resume")
    assert json.loads(path.read_text()) == saved


# 2. Saves are atomic, and a diverging run saves nothing.

def test_a_failed_save_leaves_the_existing_file_whole(capsys, existing, monkeypatch):
    def broken_replace(source, target):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    assert_one_line_error(run_cli(capsys, ["train", "--data", ELEMENTS, *SMALL, "--out", str(existing)]), "No space left")
    assert existing.read_text() == BEFORE
    assert os.listdir(existing.parent) == ["existing.json"]  # no temporary file left behind


def test_a_diverging_run_stops_with_a_message_and_saves_nothing(capsys, existing, monkeypatch):
    real = fast.loss_and_grads

    def diverging(config, weights, tokens):
        loss, grads = real(config, weights, tokens)
        return float("nan"), grads
    monkeypatch.setattr(fast, "loss_and_grads", diverging)
    assert_one_line_error(run_cli(capsys, ["train", "--data", ELEMENTS, *SMALL, "--out", str(existing)]),
                 "training diverged at step 1: the loss is nan")
    assert existing.read_text() == BEFORE


def test_weights_of_1e200_are_refused_before_they_can_diverge(capsys, tmp_path, saved, existing):
    saved["weights"] = {name: [[1e200] * len(rows[0]) for _ in rows] for name, rows in saved["weights"].items()}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(saved))
    assert_one_line_error(run_cli(capsys, ["train", "--data", ELEMENTS, "--resume", str(path), "--out", str(existing)]),
                 "not a finite number within")
    assert existing.read_text() == BEFORE


# 3, 4, 5. Nothing reads or allocates without a limit.

def test_endless_files_are_read_only_up_to_the_limit(capsys):
    assert_one_line_error(run_cli(capsys, ["train", "--data", "/dev/zero"]), "larger than 5 MB")


@pytest.mark.parametrize("flags, fragment", [
    (["--n-embd", "100000"], "n_embd must be a whole number from 1 to 64"),
    (["--block-size", "1000000000"], "block_size must be a whole number from 1 to 32"),
    (["--n-layer", "1000000"], "n_layer must be a whole number from 1 to 4"),
    (["--block-size", "20000"], "block_size"),
    (["--temperature", "1e-310"], "temperature must be a number from 0.01 to 5.0"),
])
def test_huge_or_tiny_settings_are_refused_before_anything_runs(capsys, flags, fragment, existing):
    result = run_cli(capsys, ["train", "--data", ELEMENTS, *flags, "--out", str(existing)])
    assert_one_line_error(result, fragment)
    assert "step" not in result[1]
    assert existing.read_text() == BEFORE


def test_a_one_megabyte_line_trains(capsys, tmp_path):
    data = tmp_path / "long.txt"
    data.write_text("ab" * 500_000 + "\nba\n")
    code, out, err = run_cli(capsys, ["train", "--data", str(data), *SMALL])
    assert (code, err) == (0, "") and "step    2 /    2" in out


# 5, 6, 10. Checkpoints are parsed strictly: test_checkpoint.py.

# 7. The terminal is safe.

def test_control_characters_from_a_dataset_are_printed_escaped(capsys, tmp_path):
    data = tmp_path / "escapes.txt"
    data.write_text("\x1b[31m\x07\n" * 50, encoding="utf-8")
    code, out, err = run_cli(capsys, ["train", "--data", str(data), *SMALL, "--samples", "20"])
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out or "\\x07" in out


# 8. Data is read one way everywhere.

def test_a_bom_and_crlf_give_the_same_documents_as_plain_text(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfada\r\nbob \r\n\r\n\tcy\rdee\n")
    expected = ["ada", "bob", "cy", "dee"]
    assert load_docs(path) == expected
    # The page hands Python the text fetch() decoded (BOM dropped), or a file's text as-is.
    assert parse_docs(path.read_bytes().decode("utf-8-sig")) == expected
    assert parse_docs(path.read_bytes().decode("utf-8")) == expected


# 9. --out is checked up front, and Ctrl-C keeps the run.

@pytest.mark.parametrize("out, fragment", [
    ("", "--out needs a file name"),
    ("/proc/microgpt.json", "cannot write checkpoint"),
    ("/sys/microgpt.json", "cannot write checkpoint"),
    ("/dev/null", "not a regular file"),
])
def test_an_unwritable_out_is_refused_before_training(capsys, out, fragment):
    result = run_cli(capsys, ["train", "--data", ELEMENTS, *SMALL, "--out", out])
    assert_one_line_error(result, fragment)
    assert "step" not in result[1]


def test_an_out_that_is_a_folder_is_refused(capsys, tmp_path):
    assert_one_line_error(run_cli(capsys, ["train", "--data", ELEMENTS, *SMALL, "--out", str(tmp_path)]), "is a folder")


def test_ctrl_c_during_training_saves_the_run_so_far(capsys, tmp_path, monkeypatch):
    from microgpt.trainer import Trainer
    out = tmp_path / "run.json"
    _, whole, _ = run_cli(capsys, cli_args("elements-seed42-30steps", steps=5))
    real_step = Trainer.step

    def interrupted_step(self):
        if self.steps_done == 3:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, in the middle of step 4
        return real_step(self)
    monkeypatch.setattr(Trainer, "step", interrupted_step)
    code, _, err = run_cli(capsys, cli_args("elements-seed42-30steps", steps=5, out=out))
    assert code == 130
    assert f"interrupted at step 4 of 5: saved the run so far to {out}" in err  # step 4 whole
    monkeypatch.setattr(Trainer, "step", real_step)
    code, resumed, _ = run_cli(capsys, ["train", "--data", ELEMENTS, "--resume", str(out), "--samples", "10"])
    assert code == 0
    assert resumed.splitlines()[3:] == whole.splitlines()[7:]  # step 5 and the names


def test_a_model_of_a_dataset_with_tabs_and_escapes_saves_opens_and_prints_safely(capsys, tmp_path):
    """Whatever a dataset may hold, its model's checkpoint holds too; the terminal sees escapes."""
    data = tmp_path / "odd.txt"
    data.write_text("a\tb\u00a0c\x1b\n" * 30, encoding="utf-8")
    model = tmp_path / "odd.json"
    assert run_cli(capsys, ["train", "--data", str(data), *SMALL, "--samples", "0", "--out", str(model)])[0] == 0
    code, out, err = run_cli(capsys, ["sample", "--model", str(model), "--samples", "20", "--temperature", "2"])
    assert (code, err) == (0, "") and "\x1b" not in out and "\t" not in out.replace("\\t", "")
