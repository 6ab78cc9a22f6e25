"""Sampling beyond temperature: greedy, top-k and top-p, one definition (sampler.filtered) for
the loop's draws, the CLI, the page's names and Look inside. The default, temperature, is
microgpt.py's draw exactly (test_reference_runs.py)."""
import math
import random

import pytest

from microgpt import GPTConfig, MicrogptError, Trainer, checkpoint
from microgpt.engines import get_engine
from microgpt.sampler import drawer, filtered, log_prob, new_name, probabilities, run
from microgpt.session import Session

from helpers import DATA, assert_one_line_error, cli_args, run_cli

DOCS = (DATA / "elements.txt").read_text(encoding="utf-8").split()
MODES = [("greedy", {}), ("top-k", {"top_k": 3}), ("top-p", {"top_p": 0.6})]


@pytest.fixture(scope="module")
def trained():
    trainer = Trainer.new(DOCS, GPTConfig(block_size=8), num_steps=30, seed=3, engine="fast")
    while not trainer.done:
        trainer.step()
    return trainer


@pytest.fixture
def model(trained):
    return trained.model


def names(model, seed, samples=8, temperature=0.7, **mode):
    rng = random.Random(seed)
    return [run(new_name(model, get_engine("fast"), temperature, rng, **mode))[1] for _ in range(samples)]


# --- The kept distribution ----------------------------------------------------------------

def test_temperature_keeps_the_distribution_itself():
    probs = [0.1, 0.2, 0.7]
    assert filtered(probs, "temperature") is probs


def test_kept_probabilities_are_summed_in_ascending_id_order():
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 left to right in id order, 0.6 most likely first.
    probs = [0.1, 0.2, 0.3, 0.05]
    by_id = 0.1 + 0.2 + 0.3
    assert by_id != 0.3 + 0.2 + 0.1
    expected = [0.1 / by_id, 0.2 / by_id, 0.3 / by_id, 0.0]
    assert filtered(probs, "top-k", top_k=3) == expected
    assert filtered(probs, "top-p", top_p=0.55) == expected  # 0.3, 0.5, 0.6: three reach 0.55


def test_ties_keep_the_lower_id_first():
    probs = [0.1, 0.3, 0.2, 0.3, 0.1]
    assert filtered(probs, "top-k", top_k=1) == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert filtered(probs, "top-k", top_k=2) == [0.0, 0.3 / 0.6, 0.0, 0.3 / 0.6, 0.0]
    total = 0.1 + 0.3 + 0.2 + 0.3  # ids 0-3 in id order (of the 0.1s, id 0 is kept, not id 4)
    assert filtered(probs, "top-k", top_k=4) == [0.1 / total, 0.3 / total, 0.2 / total, 0.3 / total, 0.0]
    assert filtered(probs, "greedy") == [0.0, 1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("top_p, kept", [
    (0.01, {1}),  # at least one token
    (0.5, {1}),  # reached exactly: >= p
    (0.8, {1, 2}),  # 0.5 + 0.3
    (0.81, {0, 1, 2}),  # lower id first among the tied 0.1s
    (1.0, {0, 1, 2, 3}),
])
def test_top_p_keeps_the_shortest_run_that_reaches_p(top_p, kept):
    probs = [0.1, 0.5, 0.3, 0.1]
    total = 0.0
    for i in sorted(kept):
        total += probs[i]
    assert filtered(probs, "top-p", top_p=top_p) == [p / total if i in kept else 0.0 for i, p in enumerate(probs)]


def test_top_p_keeps_every_token_when_rounding_falls_short_of_p():
    probs = [0.1] * 10  # they add up to 0.9999999999999999
    assert sum(probs) < 1.0
    assert all(p > 0 for p in filtered(probs, "top-p", top_p=1.0))


def test_k_beyond_the_vocabulary_keeps_everything():
    probs = probabilities([0.3, -1.0, 2.0, 0.5], 0.8)
    assert all(p > 0 for p in filtered(probs, "top-k", top_k=500))


# --- The draws ----------------------------------------------------------------------------

def test_greedy_draws_no_random_number_and_takes_the_lowest_id_on_a_tie(model):
    rng = random.Random(4)
    state = rng.getstate()
    assert drawer("greedy", rng).choices(range(4), weights=[0.2, 0.4, 0.4, 0.0]) == [1]
    turns, name = run(new_name(model, get_engine("fast"), 0.5, rng, sampling="greedy"))
    assert rng.getstate() == state
    for turn in turns:
        probs = probabilities(turn.logits, 0.5)
        assert turn.token_id == probs.index(max(probs))
        assert turn.probs[turn.token_id] == 1.0
    assert log_prob(turns) == 0.0  # the point mass
    # The temperature changes only the shown probabilities, never a greedy name.
    assert names(model, 0, samples=1, temperature=3.0, sampling="greedy") == [name]


@pytest.mark.parametrize("sampling, settings", [("top-k", {"top_k": 3}), ("top-p", {"top_p": 0.6})])
def test_top_k_and_top_p_draw_from_the_kept_distribution(model, sampling, settings):
    for seed in range(5):
        turns, _ = run(new_name(model, get_engine("fast"), 0.7, random.Random(seed), sampling=sampling, **settings))
        again = random.Random(seed)
        for turn in turns:
            kept = filtered(probabilities(turn.logits, 0.7), sampling, **settings)
            assert turn.probs == kept  # each turn reports what it drew from
            assert turn.token_id == again.choices(range(len(kept)), weights=kept)[0]
        # A name's log-probability is under the distribution it was drawn from.
        assert log_prob(turns) == sum(math.log(turn.probs[turn.token_id]) for turn in turns)
        assert math.isfinite(log_prob(turns))


def test_keeping_everything_draws_microgpt_s_names(model):
    plain = names(model, 1, samples=20)
    assert names(model, 1, samples=20, sampling="top-k", top_k=500) == plain
    assert names(model, 1, samples=20, sampling="top-p", top_p=1.0) == plain
    assert names(model, 1, samples=20, sampling="top-k", top_k=2) != plain


def test_a_prefix_is_still_given_first_in_every_mode(model):
    for sampling, settings in MODES:
        rng = random.Random(2)
        turns, name = run(new_name(model, get_engine("fast"), 0.5, rng, "bo", sampling=sampling, **settings))
        assert name.startswith("bo") and [t.pos for t in turns[:2]] == [0, 1]


@pytest.mark.parametrize("settings, fragment", [
    ({"sampling": "nucleus"}, "sampling must be one of"), ({"sampling": "top-k", "top_k": 0}, "top_k"),
    ({"sampling": "top-k"}, "top_k"), ({"sampling": "top-p", "top_p": 1.5}, "top_p"),
])
def test_a_bad_mode_is_refused(model, settings, fragment):
    with pytest.raises(MicrogptError, match=fragment):
        new_name(model, get_engine("fast"), 0.5, random.Random(0), **settings)


# --- The page's Session -------------------------------------------------------------------

@pytest.fixture
def session(trained):
    session = Session()
    session.open(checkpoint.to_json(trained.checkpoint()), engine="fast")
    return session


@pytest.mark.parametrize("sampling, settings", MODES)
def test_session_generate_and_look_inside_in_each_mode(session, model, sampling, settings):
    events = list(session.generate(samples=5, temperature=0.7, seed=9, sampling=sampling, **settings))
    ends = [event for event in events if "name" in event]
    assert [event["name"] for event in ends] == names(model, 9, samples=5, sampling=sampling, **settings)
    for event in ends:
        assert event["log_prob"] <= 0.0 and (sampling != "greedy" or event["log_prob"] == 0.0)
    # Look inside steps the same loop: the first name, turn by turn, from the same distributions.
    session.inspect_start(temperature=0.7, seed=9, sampling=sampling, **settings)
    turn = session.inspect_step()
    assert turn["probs"] == filtered(probabilities(turn["logits"], 0.7), sampling, **settings)
    # A new temperature redraws the turn in the same mode.
    hot = session.inspect_temperature(temperature=2.0)["probs"]
    assert hot == filtered(probabilities(turn["logits"], 2.0), sampling, **settings)
    session.inspect_temperature(temperature=0.7)
    while not turn["done"]:
        turn = session.inspect_step()
    assert turn["name"] + ("" if turn["token"] == "BOS" else turn["token"]) == ends[0]["name"]


def test_session_refuses_a_bad_mode(session):
    with pytest.raises(MicrogptError, match="top_p"):
        next(session.generate(samples=1, temperature=0.5, sampling="top-p", top_p=0))
    with pytest.raises(MicrogptError, match="sampling"):
        session.inspect_start(temperature=0.5, sampling="best")


# --- The CLI ------------------------------------------------------------------------------

@pytest.mark.parametrize("flags, sampling, settings", [
    (["--greedy"], "greedy", {}), (["--top-k", "3"], "top-k", {"top_k": 3}), (["--top-p", "0.6"], "top-p", {"top_p": 0.6}),
])
def test_cli_names_are_the_page_s_in_each_mode(capsys, tmp_path, flags, sampling, settings):
    model = tmp_path / "model.json"
    code, _, _ = run_cli(capsys, cli_args("elements-seed42-30steps", out=model, samples=1))
    assert code == 0
    code, out, _ = run_cli(capsys, ["sample", "--model", str(model), "--seed", "5", "--samples", "6", *flags])
    assert code == 0
    session = Session()
    session.open(model.read_text(), engine="fast")
    page = [event["name"] for event in session.generate(samples=6, temperature=0.5, seed=5, sampling=sampling,
                                                        **settings) if "name" in event]
    assert [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("sample")] == page


def test_cli_modes_are_mutually_exclusive_and_documented(capsys):
    with pytest.raises(SystemExit) as exit:
        run_cli(capsys, ["sample", "--model", "m.json", "--greedy", "--top-k", "3"])
    assert exit.value.code == 2 and "not allowed with argument --greedy" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(capsys, ["train", "--help"])
    out = capsys.readouterr().out
    assert "--greedy" in out and "--top-k K" in out and "--top-p P" in out and "1 to 500" in out


@pytest.mark.parametrize("flags, fragment", [
    (["--top-k", "0"], "top_k must be a whole number from 1 to 500, got 0"),
    (["--top-p", "1.5"], "top_p must be a number from 0.01 to 1.0, got 1.5"),
])
def test_cli_bad_mode_value_gets_a_one_line_error(capsys, flags, fragment):
    assert_one_line_error(run_cli(capsys, ["train", "--data", str(DATA / "elements.txt"), *flags]), fragment)
