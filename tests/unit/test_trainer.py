import json

import pytest

from microgpt import GPTConfig, MicrogptError, Trainer, checkpoint
from microgpt.checkpoint import from_json, to_json

from helpers import DATA

DOCS = (DATA / "cities.txt").read_text(encoding="utf-8").splitlines()
CONFIG = GPTConfig(n_embd=8, n_head=2, n_layer=1, block_size=6)


def new_trainer(steps=6):
    return Trainer.new(DOCS, CONFIG, num_steps=steps, seed=3, engine="reference")


def test_step_reports_progress_and_stops_at_the_end():
    trainer = new_trainer(steps=2)
    first, second = trainer.step(), trainer.step()
    assert (first.step, second.step, second.num_steps) == (1, 2, 2)
    assert first.loss > 0 and trainer.done
    with pytest.raises(MicrogptError, match="complete"):
        trainer.step()


def test_bad_steps_are_refused():
    for steps in (0, -5, 1.5):
        with pytest.raises(MicrogptError, match="steps"):
            Trainer.new(DOCS, CONFIG, num_steps=steps)


def test_checkpoint_round_trip_gives_an_identical_model():
    trainer = new_trainer()
    for _ in range(2):
        trainer.step()
    ckpt = from_json(to_json(trainer.checkpoint()))
    assert ckpt.model == trainer.model
    assert (ckpt.step, ckpt.num_steps, ckpt.seed) == (2, 6, 3)
    assert (ckpt.adam_m, ckpt.adam_v) == (trainer.optimizer.m, trainer.optimizer.v)
    assert ckpt.rng_state == trainer.rng.getstate()


def test_resumed_training_matches_an_uninterrupted_run(tmp_path):
    whole = new_trainer()
    expected = [whole.step().loss for _ in range(6)]

    first_half = new_trainer()
    losses = [first_half.step().loss for _ in range(3)]
    checkpoint.save(first_half.checkpoint(), tmp_path / "run.json")
    resumed = Trainer.resume(checkpoint.load(tmp_path / "run.json"), DOCS, engine="reference")
    while not resumed.done:
        losses.append(resumed.step().loss)
    assert losses == expected
    assert resumed.model.weights == whole.model.weights


def test_resume_on_other_data_is_refused_even_with_the_same_characters():
    ckpt = new_trainer().checkpoint()
    for other in (["xyz"], DOCS[::-1], DOCS[:-1]):  # other characters; the same ones in another order
        with pytest.raises(MicrogptError, match="not the dataset the run was trained on"):
            Trainer.resume(ckpt, other, engine="reference")
    assert Trainer.resume(ckpt, list(DOCS), engine="reference").docs is not None


def test_a_version_1_checkpoint_still_opens_and_resumes_on_its_characters():
    trainer = new_trainer()
    trainer.step()
    data = json.loads(to_json(trainer.checkpoint()))
    data["version"] = 1
    del data["train"]["data"]
    ckpt = from_json(json.dumps(data))
    assert ckpt.data_id is None and ckpt.trains_on(DOCS) and not ckpt.trains_on(["xyz"])
