"""Sampling: new names, one character at a time, as a generator."""
import math
from dataclasses import dataclass

from .settings import check


@dataclass(frozen=True)
class SampledToken:
    char: str  # the character drawn
    prob: float  # its probability at this position
    probs: list  # the whole distribution it was drawn from, by token id (BOS last)


def softmax(logits, temperature=1.0):
    """Probabilities from logits, with the same float operations, in the same order, as
    reference.softmax on Values: that way every engine draws exactly microgpt.py's names."""
    inv_temperature = temperature**-1  # Value / t is Value * t**-1
    scaled = [logit * inv_temperature for logit in logits]
    max_val = max(scaled)
    exps = [math.exp(s - max_val) for s in scaled]
    total = 0.0
    for e in exps:  # left to right, as Value addition does (sum() of floats may not)
        total += e
    inv_total = total**-1
    return [e * inv_total for e in exps]


def sample(model, engine, temperature, rng):
    """Yield the characters of one new name as they are drawn; stop at BOS or block_size."""
    check("temperature", temperature)
    next_logits = engine.decoder(model.config, model.weights)
    tokenizer = model.tokenizer
    vocab = range(tokenizer.vocab_size)
    token_id = tokenizer.bos
    for _ in range(model.config.block_size):
        probs = softmax(next_logits(token_id), temperature)
        token_id = rng.choices(vocab, weights=probs)[0]
        if token_id == tokenizer.bos:
            return
        yield SampledToken(tokenizer.chars[token_id], probs[token_id], probs)


def sample_name(model, engine, temperature, rng):
    return "".join(token.char for token in sample(model, engine, temperature, rng))
