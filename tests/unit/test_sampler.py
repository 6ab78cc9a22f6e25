import random
import types

import pytest

from microgpt import GPTConfig, MicrogptError, Trainer, sample, sample_name
from microgpt.engines import get_engine
from microgpt.sampler import softmax

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

    def decoder(config, weights):
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
        assert softmax(logits, t) == expected
