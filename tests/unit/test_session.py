"""The Session the page's worker drives, exercised on CPython."""
import pytest

from microgpt import MicrogptError
from microgpt.session import Session, take

from helpers import DATA, REFERENCE_RUNS

RUN = "elements-seed42-30steps"
SETTINGS = {k: REFERENCE_RUNS[RUN][k] for k in ("steps", "seed", "n_embd", "n_head", "n_layer", "block_size")}


@pytest.fixture
def session():
    return Session((DATA / "elements.txt").read_text(encoding="utf-8"))


def names(events):
    result = {}
    for sample, char, _ in events:
        result[sample] = result.get(sample, "") + (char or "")
    return list(result.values())


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
    started = session.start_training(**SETTINGS, engine="reference")
    assert started == {"num_steps": 30, "num_params": 4000}
    losses = train_to_end(session)
    assert [f"step {i + 1:4d} / {30:4d} | loss {loss:.4f}" for i, loss in enumerate(losses)] == expected[3:33]
    generated = names(session.generate(samples=10, temperature=0.5, seed=42))
    assert [f"sample {i + 1:2d}: {name}" for i, name in enumerate(generated)] == expected[33:]
    # Generating again with the run's seed repeats the same names: a link reproduces them.
    assert names(session.generate(samples=10, temperature=0.5, seed=42)) == generated


def test_generate_streams_characters_then_an_end_per_name(session):
    session.start_training(**dict(SETTINGS, steps=1), engine="reference")
    train_to_end(session)
    events = list(session.generate(samples=3, temperature=1.0, seed=5))
    assert [sample for sample, char, prob in events if char is None] == [0, 1, 2]
    assert all(len(char) == 1 and 0 < prob <= 1 for _, char, prob in events if char is not None)


def test_a_chunk_stops_near_its_time_budget(session):
    session.start_training(**dict(SETTINGS, steps=1000), engine="reference")
    chunk = session.train(seconds=0.0)
    assert chunk == {"step": 1, "num_steps": 1000, "losses": chunk["losses"]} and len(chunk["losses"]) == 1


@pytest.mark.parametrize("call, fragment", [
    (lambda s: s.start_training(**dict(SETTINGS, n_head=3), engine="reference"), "divisible"),
    (lambda s: s.start_training(**dict(SETTINGS, steps=0), engine="reference"), "steps"),
    (lambda s: s.start_training(**dict(SETTINGS, seed=1.5), engine="reference"), "seed"),
    (lambda s: s.start_training(**SETTINGS, engine="turbo"), "engine"),
    (lambda s: next(s.generate(samples=1, temperature=0.5, seed=1)), "train the model"),
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


def test_a_saved_run_restored_in_a_new_session_generates_the_same_names(session):
    session.start_training(**dict(SETTINGS, steps=4), engine="fast")
    train_to_end(session)
    names_before = names(session.generate(samples=5, temperature=0.5, seed=42))
    fresh = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    assert fresh.restore(session.save(), engine="fast") == {"step": 4, "num_steps": 4}
    assert names(fresh.generate(samples=5, temperature=0.5, seed=42)) == names_before


def test_save_before_training_is_refused(session):
    with pytest.raises(MicrogptError, match="no model"):
        session.save()


def test_take_batches_events_without_losing_any():
    events = iter(range(10))
    assert take(events, seconds=60) == list(range(10))  # all of them within the time
    assert take(events, seconds=60) == []  # then nothing: the generator is done
    events = iter(range(10))
    assert take(events, seconds=0) == [0]  # out of time: still at least one
    assert take(events, seconds=60) == list(range(1, 10))
