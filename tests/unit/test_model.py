import random

import pytest

from microgpt import GPTConfig, MicrogptError, Tokenizer
from microgpt.model import init_weights, num_params
from microgpt import reference


def test_default_model_has_4064_parameters_on_26_letters():
    vocab_size = Tokenizer.from_docs(["abcdefghijklmnopqrstuvwxyz"]).vocab_size
    assert vocab_size == 27
    assert num_params(GPTConfig(), vocab_size) == 4064
    weights = init_weights(GPTConfig(), vocab_size, random.Random(0))
    assert sum(len(row) for rows in weights.values() for row in rows) == 4064


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_embd=10, n_head=4), "divisible"),
    (dict(n_embd=0), "n_embd must be a positive"),
    (dict(n_head=-1), "n_head must be a positive"),
    (dict(n_layer=0), "n_layer must be a positive"),
    (dict(block_size=0), "block_size must be a positive"),
    (dict(block_size=2.5), "block_size must be a positive"),
])
def test_bad_config_is_refused_with_a_reason(kwargs, message):
    with pytest.raises(MicrogptError, match=message):
        GPTConfig(**kwargs)


def test_tokenizer_handles_any_alphabet():
    tok = Tokenizer.from_docs(["são paulo", "łódź"])
    assert tok.chars == tuple(sorted(set("são paulołódź")))
    ids = tok.encode("łódź")
    assert ids[0] == ids[-1] == tok.bos == len(tok.chars)
    assert tok.decode(ids[1:-1]) == "łódź"


def loss_at(config, weights, tokens):
    return reference.loss_and_grads(config, weights, tokens)[0]


@pytest.mark.parametrize("config", [GPTConfig(8, 2, 1, 6), GPTConfig(8, 4, 2, 4)])
def test_model_gradient_matches_finite_differences(config):
    rng = random.Random(3)
    tokenizer = Tokenizer.from_docs(["abcde"])
    weights = init_weights(config, tokenizer.vocab_size, rng)
    tokens = tokenizer.encode("abacad")  # longer than block_size: the loss is truncated
    _, grads = reference.loss_and_grads(config, weights, tokens)
    h = 1e-6
    for name, rows in weights.items():
        for _ in range(3):
            i, j = rng.randrange(len(rows)), rng.randrange(len(rows[0]))
            x = rows[i][j]
            rows[i][j] = x + h
            up = loss_at(config, weights, tokens)
            rows[i][j] = x - h
            down = loss_at(config, weights, tokens)
            rows[i][j] = x
            assert grads[name][i][j] == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-8), name
