import os
import subprocess
import sys

import pytest

from microgpt import GPTConfig, Trainer, checkpoint, load_docs

from helpers import DATA, ROOT, assert_one_line_error, cli_args, run_cli

SMALL = ["--steps", "3", "--n-embd", "8", "--n-head", "2", "--block-size", "6", "--samples", "4"]


def test_module_runs_from_the_repo_with_nothing_installed():
    env = dict(os.environ, PYTHONPATH="py")
    result = subprocess.run(
        [sys.executable, "-m", "microgpt", "train", "--data", str(DATA / "elements.txt"), *SMALL],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["num docs: 118", "vocab size: 25"]
    assert lines[2].startswith("num params: ")
    assert lines[3].startswith("step    1 /    3 | loss ")
    assert [line[:10] for line in lines[6:]] == ["sample  1:", "sample  2:", "sample  3:", "sample  4:"]


@pytest.mark.parametrize("command, flags", [
    ("train", ["--data", "--steps", "--block-size", "--n-embd", "--n-head", "--n-layer", "--seed",
               "--sample-seed", "--samples", "--temperature", "--out", "--resume", "--engine"]),
    ("sample", ["--model", "--samples", "--temperature", "--seed", "--engine"]),
])
def test_help_documents_every_flag(capsys, command, flags):
    with pytest.raises(SystemExit) as exit:
        run_cli(capsys, [command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for flag in flags:
        assert flag in out


def test_sample_continues_the_trained_run(capsys, tmp_path):
    model = tmp_path / "model.json"
    code, trained, _ = run_cli(capsys, cli_args("elements-seed42-30steps", steps=3, out=model))
    assert code == 0
    code, sampled, _ = run_cli(capsys, ["sample", "--model", str(model), "--samples", "10"])
    assert code == 0
    names = [line for line in trained.splitlines() if line.startswith("sample")]
    assert sampled.splitlines() == names


def test_a_sampling_seed_gives_a_fresh_stream_in_train_and_sample(capsys, tmp_path):
    model = tmp_path / "model.json"
    _, trained, _ = run_cli(capsys, cli_args("elements-seed42-30steps", steps=2, sample_seed=9, out=model))
    outputs = [run_cli(capsys, ["sample", "--model", str(model), "--seed", "9"])[1] for _ in range(2)]
    assert outputs[0] == outputs[1] and outputs[0].count("sample") == 20  # fresh each time
    names = lambda out: [line for line in out.splitlines() if line.startswith("sample")]
    assert names(trained) == names(outputs[0])[:10]  # the same stream: random.Random(9)
    own = run_cli(capsys, ["sample", "--model", str(model), "--samples", "10"])[1]
    assert names(own) != names(trained)  # without a seed: the run's own stream


def test_resume_finishes_the_run_like_an_uninterrupted_one(capsys, tmp_path):
    _, whole, _ = run_cli(capsys, cli_args("elements-seed42-30steps", steps=4))
    # A 4-step run, saved after 2 steps.
    trainer = Trainer.new(load_docs(DATA / "elements.txt"), GPTConfig(), 4, 42, "reference")
    trainer.step(), trainer.step()
    saved = tmp_path / "half.json"
    checkpoint.save(trainer.checkpoint(), saved)
    code, resumed, _ = run_cli(capsys, ["train", "--data", str(DATA / "elements.txt"),
                                        "--resume", str(saved), "--samples", "10"])
    assert code == 0
    whole_lines = whole.splitlines()
    assert resumed.splitlines() == whole_lines[:3] + whole_lines[5:]  # steps 3, 4 and the names


def bad_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


@pytest.mark.parametrize("data, fragment", [
    (lambda p: str(p / "missing.txt"), "not found"),
    (lambda p: bad_file(p, "empty.txt", ""), "no non-empty lines"),
    (lambda p: bad_file(p, "blank.txt", "  \n\t\n\n"), "no non-empty lines"),
    (lambda p: bad_file(p, "utf16.txt", "ada\nbob\n".encode("utf-16")), "UTF-16"),
    (lambda p: bad_file(p, "binary.txt", b"ab\x00cd\n"), "binary"),
    (lambda p: bad_file(p, "latin1.txt", "José\n".encode("latin-1")), "not UTF-8"),
    (lambda p: str(p), "folder"),
])
def test_bad_data_file_gets_a_one_line_error(capsys, tmp_path, data, fragment):
    assert_one_line_error(run_cli(capsys, ["train", "--data", data(tmp_path), "--steps", "1"]), fragment)


@pytest.mark.parametrize("flags, fragment", [
    (["--n-embd", "10", "--n-head", "4"], "divisible"),
    (["--n-embd", "0"], "n_embd"),
    (["--n-head", "-2"], "n_head"),
    (["--n-layer", "0"], "n_layer"),
    (["--block-size", "0"], "block_size"),
    (["--steps", "0"], "steps"),
    (["--steps", "-3"], "steps"),
    (["--temperature", "0"], "temperature"),
    (["--temperature", "-0.5"], "temperature"),
    (["--samples", "-1"], "samples"),
    (["--n-layer", "5"], "n_layer must be a whole number from 1 to 4"),
    (["--engine", "turbo"], "engine must be one of fast, reference"),
    (["--sample-seed", "-1"], "sample_seed"),
])
def test_bad_setting_gets_a_one_line_error(capsys, flags, fragment):
    result = run_cli(capsys, ["train", "--data", str(DATA / "elements.txt"), *flags])
    assert_one_line_error(result, fragment)
    assert "step" not in result[1]  # refused before any training


def test_a_bad_checkpoint_gets_a_one_line_error(capsys, tmp_path):
    """The reader's reasons (test_checkpoint.py) reach the terminal as one line, and exit 1."""
    assert_one_line_error(run_cli(capsys, ["sample", "--model", bad_file(tmp_path, "bad.json", "[1, 2]")]),
                          "not a microgpt checkpoint")
    assert_one_line_error(run_cli(capsys, ["sample", "--model", str(tmp_path / "nope.json")]),
                          "cannot read checkpoint")


def test_an_unwritable_out_path_is_refused_before_training(capsys, tmp_path):
    result = run_cli(capsys, ["train", "--data", str(DATA / "elements.txt"),
                              "--out", str(tmp_path / "no" / "such" / "model.json")])
    assert_one_line_error(result, "folder does not exist")
    assert "step" not in result[1]


def test_prefix_and_show_probs(capsys, tmp_path):
    model = tmp_path / "model.json"
    code, trained, _ = run_cli(capsys, cli_args("elements-seed42-30steps", prefix="b", out=model, samples=5))
    assert code == 0
    names = [line.split(": ", 1)[1] for line in trained.splitlines() if line.startswith("sample")]
    assert len(names) == 5 and all(name.startswith("b") for name in names)
    code, out, _ = run_cli(capsys, ["sample", "--model", str(model), "--prefix", "b", "--seed", "3",
                                    "--samples", "3", "--show-probs"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("sample  1: b")
    shown = [line for line in lines if line.startswith("    pos ")]
    assert shown and shown[0].startswith("    pos 1: drew ")  # position 0 holds the prefix: not drawn
    for line in shown:
        drew, top = line.split("; top 5: ")
        candidates = [float(candidate.rsplit(" ", 1)[1]) for candidate in top.split(", ")]
        assert len(candidates) == 5 and candidates == sorted(candidates, reverse=True)
        assert float(drew.rsplit("(", 1)[1].rstrip(")")) <= candidates[0]
    # The same names as the page's Session gives for this prefix and sampling seed.
    from microgpt.session import Session
    session = Session()
    session.open(model.read_text(), engine="fast")
    page_names = [event["name"] for event in session.generate(samples=3, temperature=0.5, seed=3, prefix="b")
                  if "name" in event]
    assert [line.split(": ", 1)[1] for line in lines if line.startswith("sample")] == page_names


def test_a_prefix_the_model_cannot_take_is_refused_before_training(capsys):
    code, out, err = run_cli(capsys, ["train", "--data", str(DATA / "elements.txt"), "--prefix", "Zé"])
    assert code == 1 and err == "error: the prefix has characters the model never saw in training: 'Zé'\n"
    assert "step" not in out
