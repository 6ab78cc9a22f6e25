"""The Session the page's worker drives, exercised on CPython."""
import math
import random

import pytest

from microgpt import MicrogptError
from microgpt.sampler import new_name, probabilities, run
from microgpt.session import Session, take

from helpers import DATA, REFERENCE_RUNS, cli_args, run_cli

RUN = "elements-seed42-30steps"
SETTINGS = {k: REFERENCE_RUNS[RUN][k] for k in ("steps", "seed", "n_embd", "n_head", "n_layer", "block_size")}


@pytest.fixture
def session():
    return Session((DATA / "elements.txt").read_text(encoding="utf-8"))


def names(events):
    """The names that end the events of generate(); each is the characters streamed before it."""
    events, result, typed = list(events), [], ""
    for event in events:
        if "char" in event:
            typed += event["char"]
        else:
            assert event["name"] == typed and event["sample"] == len(result)
            result.append(typed)
            typed = ""
    return result


def train_to_end(session):
    losses = []
    while True:
        chunk = session.train(seconds=0.01)
        losses += chunk["losses"]
        if chunk["step"] == chunk["num_steps"]:
            return losses


def test_describe_gives_dataset_and_model_size(session):
    assert session.describe() == {"docs": 118, "vocab_size": 25, "chars": "".join(sorted(set(
        (DATA / "elements.txt").read_text().replace("\n", "")))), "num_params": 4000}
    assert session.describe(n_embd=8, n_head=2, n_layer=2, block_size=16)["num_params"] == 2064


def test_training_in_chunks_then_generating_reproduces_microgpt(capsys, session):
    expected = (DATA / f"{RUN}.out").read_text(encoding="utf-8").splitlines()
    # (the fast engine: the reference engine's exactness is tested on every reference run elsewhere)
    started = session.start_training(**SETTINGS, engine="fast")
    assert started == {"num_steps": 30, "num_params": 4000}
    losses = train_to_end(session)
    assert [f"step {i + 1:4d} / {30:4d} | loss {loss:.4f}" for i, loss in enumerate(losses)] == expected[3:33]
    generated = names(session.generate(samples=10, temperature=0.5))
    assert [f"sample {i + 1:2d}: {name}" for i, name in enumerate(generated)] == expected[33:]


def test_generating_again_continues_the_runs_stream(capsys, session):
    """Names 1-20, then 21-40: what microgpt.py prints when it samples 40 names."""
    code, out, _ = run_cli(capsys, cli_args(RUN, samples=40))
    assert code == 0
    forty = [line.split(": ", 1)[1] if ": " in line else "" for line in out.splitlines()[-40:]]
    session.start_training(**SETTINGS, engine="fast")
    train_to_end(session)
    first = names(session.generate(samples=20, temperature=0.5))
    second = names(session.generate(samples=20, temperature=0.5))
    assert first + second == forty


def test_a_sampling_seed_starts_a_fresh_stream(session):
    session.start_training(**dict(SETTINGS, steps=3), engine="fast")
    train_to_end(session)
    seeded = names(session.generate(samples=8, temperature=0.5, seed=7))
    assert names(session.generate(samples=8, temperature=0.5, seed=7)) == seeded  # fresh each time
    own = names(session.generate(samples=8, temperature=0.5))
    assert own != seeded
    # The seed's names are those of random.Random(7), and leave the run's own stream alone.
    again = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    again.start_training(**dict(SETTINGS, steps=3), engine="fast")
    train_to_end(again)
    assert names(again.generate(samples=8, temperature=0.5)) == own


def test_generate_streams_characters_then_each_names_log_prob_and_novelty(session):
    session.start_training(**dict(SETTINGS, steps=1), engine="reference")
    train_to_end(session)
    events = list(session.generate(samples=3, temperature=1.0, seed=5))
    ends = [event for event in events if "name" in event]
    assert [event["sample"] for event in ends] == [0, 1, 2]
    assert all(len(e["char"]) == 1 and 0 < e["prob"] <= 1 for e in events if "char" in e)
    # The log-probability: every drawn character's log p, and the final BOS's, at temperature 1.
    rng, trainer = random.Random(5), session.run
    for name, end in zip(names(events), ends):
        turns, looped = run(new_name(trainer.model, trainer.engine, 1.0, rng))
        assert looped == name and end["log_prob"] == sum(math.log(t.probs[t.token_id]) for t in turns)
        assert turns[-1].token_id == trainer.model.tokenizer.bos or len(turns) == SETTINGS["block_size"]
        assert end["novel"] == (name not in (DATA / "elements.txt").read_text().split())


def test_names_with_a_prefix_start_with_it_and_are_seen_or_novel(session):
    session.start_training(**dict(SETTINGS, steps=30), engine="fast")
    train_to_end(session)
    events = list(session.generate(samples=40, temperature=0.5, seed=1, prefix="b"))
    generated = names(events)
    assert all(name.startswith("b") for name in generated)
    novelty = {e["name"]: e["novel"] for e in events if "name" in e}
    docs = set((DATA / "elements.txt").read_text().split())
    assert novelty == {name: name not in docs for name in generated}
    # A prefix as long as the block size leaves nothing to draw: the name is the prefix, given.
    [*_, end] = session.generate(samples=1, temperature=0.5, prefix="hydrogen")
    assert (end["name"], end["log_prob"], end["novel"]) == ("hydrogen", 0, False)


def test_a_chunk_stops_near_its_time_budget(session):
    session.start_training(**dict(SETTINGS, steps=1000), engine="reference")
    chunk = session.train(seconds=0.0)
    assert chunk == {"step": 1, "num_steps": 1000, "losses": chunk["losses"]} and len(chunk["losses"]) == 1


@pytest.mark.parametrize("call, fragment", [
    (lambda s: s.start_training(**dict(SETTINGS, n_head=3), engine="reference"), "divisible"),
    (lambda s: s.start_training(**dict(SETTINGS, steps=0), engine="reference"), "steps"),
    (lambda s: s.start_training(**dict(SETTINGS, seed=1.5), engine="reference"), "seed"),
    (lambda s: s.start_training(**SETTINGS, engine="turbo"), "engine"),
    (lambda s: next(s.generate(samples=1, temperature=0.5, seed=1)), "no model yet"),
    (lambda s: s.save(), "no model yet"),
    (lambda s: s.start_training(**dict(SETTINGS, n_embd=65, n_head=1), engine="fast"), "n_embd"),
    (lambda s: s.start_training(**dict(SETTINGS, steps=True), engine="fast"), "steps"),
])
def test_bad_input_raises_a_user_error(session, call, fragment):
    with pytest.raises(MicrogptError, match=fragment):
        call(session)


def test_bad_generate_settings_raise_a_user_error(session):
    session.start_training(**dict(SETTINGS, steps=1), engine="reference")
    for kwargs in (dict(temperature=0), dict(samples=-1)):
        with pytest.raises(MicrogptError):
            next(session.generate(**{"samples": 1, "temperature": 0.5, "seed": 1, **kwargs}))


def test_a_dataset_without_lines_is_refused():
    with pytest.raises(MicrogptError, match="no non-empty lines"):
        Session(" \n\n")


def test_a_saved_run_opened_in_a_new_session_carries_on_its_stream(session):
    session.start_training(**dict(SETTINGS, steps=4), engine="fast")
    train_to_end(session)
    saved = session.save()
    names_after = names(session.generate(samples=5, temperature=0.5))
    fresh = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    assert fresh.open(saved, engine="fast") == {"step": 4, "num_steps": 4, "can_train": True, "settings": dict(
        SETTINGS, steps=4)}
    assert names(fresh.generate(samples=5, temperature=0.5)) == names_after


def test_a_checkpoint_opens_and_samples_with_no_dataset(capsys, tmp_path):
    """A model file alone is enough to sample: the names are the CLI's."""
    model = tmp_path / "model.json"
    code, out, _ = run_cli(capsys, cli_args(RUN, out=model))
    assert code == 0
    expected = (DATA / f"{RUN}.out").read_text(encoding="utf-8").splitlines()[33:]
    bare = Session()
    opened = bare.open(model.read_text(encoding="utf-8"), engine="reference")
    assert (opened["step"], opened["num_steps"], opened["can_train"], opened["settings"]) == (30, 30, False, SETTINGS)
    generated = names(bare.generate(samples=10, temperature=0.5))
    assert [f"sample {i + 1:2d}: {name}" for i, name in enumerate(generated)] == expected
    with pytest.raises(MicrogptError, match="dataset"):
        bare.describe()


def test_a_model_of_other_data_opens_to_sample_but_not_to_train(session, tmp_path):
    cities = Session((DATA / "cities.txt").read_text(encoding="utf-8"))
    cities.start_training(**dict(SETTINGS, steps=2, block_size=12), engine="fast")
    cities.train(seconds=0.0)  # one of two steps
    assert session.open(cities.save(), engine="fast")["can_train"] is False
    assert names(session.generate(samples=2, temperature=0.5, seed=1))  # it samples
    with pytest.raises(MicrogptError, match="dataset"):
        session.train(seconds=0.0)
    assert cities.train(seconds=1.0)["step"] == 2  # with its own data it goes on


def test_take_batches_events_without_losing_any():
    events = iter(range(10))
    assert take(events, seconds=60) == list(range(10))  # all of them within the time
    assert take(events, seconds=60) == []  # then nothing: the generator is done
    events = iter(range(10))
    assert take(events, seconds=0) == [0]  # out of time: still at least one
    assert take(events, seconds=60) == list(range(1, 10))


def test_looking_inside_steps_the_loop_and_a_branch_equals_the_prefix(session):
    session.start_training(**dict(SETTINGS, steps=30), engine="fast")
    train_to_end(session)
    loop = session.inspect_start(temperature=0.5, seed=11)
    assert loop["tokens"][-1] == "BOS" and loop["source"]["lines"][0].startswith("def sample(")
    turns = [session.inspect_step() for _ in range(3)]
    assert [t["pos"] for t in turns] == [0, 1, 2] and turns[0]["input"] == "BOS"
    assert [t["kv"] for t in turns] == [[1], [2], [3]]
    name = turns[2]["name"] + turns[2]["token"]
    # The same name as sampling with seed 11, so far.
    assert names(session.generate(samples=1, temperature=0.5, seed=11))[0].startswith(name)
    # The temperature redraws the current turn from the same logits.
    hot = session.inspect_temperature(temperature=2.0)["probs"]
    assert hot == probabilities(turns[2]["logits"], 2.0) != turns[2]["probs"]
    # Forcing "x" at position 2 is the same as sampling afresh with the prefix so far plus "x".
    x = loop["tokens"].index("x")
    branched = session.inspect_branch(token_id=x)
    assert (branched["pos"], branched["token"], branched["forced"]) == (2, "x", True)
    while not branched["done"]:
        branched = session.inspect_step()
    looked = branched["name"] + ("" if branched["token"] == "BOS" else branched["token"])
    prefix = turns[2]["name"] + "x"
    session.inspect_temperature(temperature=0.5)  # (changing it back changes no past turn)
    assert names(session.generate(samples=1, temperature=2.0, seed=11, prefix=prefix)) == [looked]


@pytest.mark.parametrize("call, fragment", [
    (lambda s: s.inspect_step(), "start looking inside"),
    (lambda s: s.inspect_start(temperature=0.5, prefix="Q"), "never saw"),
    (lambda s: s.inspect_start(temperature=0, prefix=""), "temperature"),
])
def test_looking_inside_refuses_what_it_cannot_do(session, call, fragment):
    session.start_training(**dict(SETTINGS, steps=1), engine="fast")
    with pytest.raises(MicrogptError, match=fragment):
        call(session)


def test_a_temperature_change_keeps_the_rest_of_the_prefix_given(session):
    session.start_training(**dict(SETTINGS, steps=5), engine="fast")
    train_to_end(session)
    session.inspect_start(temperature=0.5, seed=1, prefix="bor")
    first = session.inspect_step()
    session.inspect_temperature(temperature=1.5)
    turns = [first] + [session.inspect_step() for _ in range(3)]
    assert [(t["token"], t["forced"]) for t in turns[:3]] == [("b", True), ("o", True), ("r", True)]
    assert turns[3]["forced"] is False


def test_a_model_opens_to_train_only_on_its_own_dataset_not_one_with_the_same_characters():
    own, same_characters = "ab\nba\naab\n", "ba\nab\nbba\n"
    trained = Session(own)
    trained.start_training(**dict(SETTINGS, steps=2), engine="fast")
    saved = trained.save()
    assert Session(same_characters).open(saved, engine="fast")["can_train"] is False
    assert Session(own).open(saved, engine="fast")["can_train"] is True
