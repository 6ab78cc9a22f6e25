import math
import random
import types

import pytest

from microgpt import GPTConfig, MicrogptError, Trainer, sample, sample_name
from microgpt.engines import get_engine
from microgpt.sampler import log_prob, loop_source, probabilities

from helpers import DATA

DOCS = (DATA / "elements.txt").read_text(encoding="utf-8").split()


def untrained(block_size, seed=0):
    return Trainer(DOCS, GPTConfig(block_size=block_size), num_steps=1, seed=seed, engine="reference")


def test_sampler_is_a_generator_yielding_one_character_at_a_time():
    trainer = untrained(block_size=8)
    stream = sample(trainer.model, trainer.engine, 1.0, trainer.rng)
    assert isinstance(stream, types.GeneratorType)
    token = next(stream)  # a character is available before the name is finished
    assert len(token.char) == 1 and token.char in trainer.model.tokenizer.chars
    assert len(token.probs) == trainer.model.tokenizer.vocab_size
    assert token.prob == token.probs[trainer.model.tokenizer.chars.index(token.char)]
    assert sum(token.probs) == pytest.approx(1.0)


def test_sampler_stops_at_bos():
    trainer = untrained(block_size=8)
    # A decoder whose logits make BOS certain after two characters.
    tokenizer = trainer.model.tokenizer
    calls = []

    def decoder(config, weights, trace=None):
        def next_logits(token_id):
            calls.append(token_id)
            favourite = tokenizer.bos if len(calls) > 2 else 0
            return [50.0 if i == favourite else 0.0 for i in range(tokenizer.vocab_size)]
        return next_logits

    engine = types.SimpleNamespace(decoder=decoder)
    assert sample_name(trainer.model, engine, 1.0, random.Random(0)) == tokenizer.chars[0] * 2
    assert len(calls) == 3


def test_sampler_never_exceeds_block_size():
    trainer = untrained(block_size=3)
    lengths = [len(sample_name(trainer.model, trainer.engine, 5.0, trainer.rng)) for _ in range(60)]
    assert max(lengths) == 3  # untrained and hot: names run to the limit, never past it


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_bad_temperature_is_refused(temperature):
    trainer = untrained(block_size=3)
    with pytest.raises(MicrogptError, match="temperature"):
        next(sample(trainer.model, trainer.engine, temperature, trainer.rng))


def test_float_softmax_is_bitwise_the_value_softmax():
    from microgpt import reference
    from microgpt.autograd import Value
    rng = random.Random(5)
    for _ in range(50):
        logits = [rng.gauss(0, 3) for _ in range(30)]
        t = rng.choice([0.5, 0.8, 1.0, 1.7])
        expected = [p.data for p in reference.softmax([Value(x) / t for x in logits])]
        assert probabilities(logits, t) == expected


def trained(engine, steps=20, block_size=8):
    trainer = Trainer(DOCS, GPTConfig(block_size=block_size), num_steps=steps, seed=3, engine=engine)
    while not trainer.done:
        trainer.step()
    return trainer


def test_inspecting_changes_nothing_and_both_engines_show_the_same_insides():
    """Per turn: the logits, the probabilities, every layer's and head's attention weights
    and the KV cache's length, the same from both engines; and the same names as without."""
    model = trained("fast").model
    for seed in range(4):
        plain = list(sample(model, get_engine("fast"), 0.7, random.Random(seed)))
        looks = {name: list(sample(model, get_engine(name), 0.7, random.Random(seed), inspect=True))
                 for name in ("fast", "reference")}
        for draws in looks.values():
            assert [d.token_id for d in draws] == [d.token_id for d in plain]
            assert [d.probs for d in draws] == [d.probs for d in plain]
        for f, r in zip(looks["fast"], looks["reference"]):
            assert f.logits == r.logits  # the forward pass is bit for bit the reference's
            assert len(f.attention) == model.config.n_layer and len(f.attention[0]) == model.config.n_head
            for f_heads, r_heads in zip(f.attention, r.attention):
                for f_row, r_row in zip(f_heads, r_heads):
                    assert len(f_row) == f.pos + 1  # the KV cache: one key per position so far
                    assert f_row == pytest.approx(r_row, rel=1e-12, abs=1e-15)
                    assert sum(f_row) == pytest.approx(1.0)


def test_a_prefix_is_fed_not_drawn():
    model, engine = trained("fast").model, get_engine("fast")
    draws = list(sample(model, engine, 0.5, random.Random(1), prefix="bo"))
    assert [(d.char, d.forced) for d in draws[:2]] == [("b", True), ("o", True)]
    assert [d.name for d in draws[:3]] == ["", "b", "bo"]
    assert not any(d.forced for d in draws[2:])
    # The prefix draws nothing: the first draw after it is the rng's first draw.
    rng = random.Random(1)
    first_draw = rng.choices(range(model.tokenizer.vocab_size), weights=draws[2].probs)[0]
    assert draws[2].token_id == first_draw
    assert sample_name(model, engine, 0.5, random.Random(1), prefix="bo").startswith("bo")
    assert log_prob(draws) == pytest.approx(sum(math.log(d.prob) for d in draws[2:]))


@pytest.mark.parametrize("prefix, fragment", [("bé", "never saw"), ("b" * 9, "longer than the block size"),
                                              ("x" * 33, "at most 32")])
def test_a_prefix_the_model_cannot_take_is_refused(prefix, fragment):
    model = untrained(block_size=8).model
    with pytest.raises(MicrogptError, match=fragment):
        next(sample(model, get_engine("fast"), 0.5, random.Random(0), prefix=prefix))


def test_a_prefix_as_long_as_the_block_is_the_whole_name():
    model = untrained(block_size=5).model
    draws = list(sample(model, get_engine("fast"), 0.5, random.Random(0), prefix="boron"))
    assert [d.forced for d in draws] == [True] * 5 and log_prob(draws) == 0


def test_the_loop_source_is_the_running_code_with_its_steps_found():
    source = loop_source()
    lines = source["lines"]
    assert lines[0].startswith("def sample(")
    expected = {1: "token_id = tokenizer.bos", 2: "logits = gpt(token_id)", 3: "inv_temperature",
                4: "probs = softmax(scaled)", 5: "rng.choices", 6: "if token_id == tokenizer.bos",
                7: "name.append"}
    assert sorted(source["steps"]) == list(range(1, 8))
    for step, code in expected.items():
        assert code in lines[source["steps"][step]], (step, lines[source["steps"][step]])
