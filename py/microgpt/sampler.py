"""Sampling: new names, one character at a time, as a generator."""
import math
from dataclasses import dataclass

from .errors import MicrogptError
from .settings import check


@dataclass(frozen=True)
class Draw:
    """One turn of the generation loop: the token that came out at position pos."""
    pos: int
    token_id: int
    char: str  # its character, or None for BOS, which ends the name
    prob: float  # its probability in probs
    probs: list  # the distribution at this position, after the temperature, by token id (BOS last)
    forced: bool  # fed in from the prefix rather than drawn


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


def sample(model, engine, temperature, rng, prefix=""):
    """microgpt.py's generation loop, a turn per position: yield a Draw for each token that
    comes out, the BOS that ends the name included. A prefix's characters are fed in at the
    first positions, drawing nothing, and drawing starts after them."""
    check("temperature", temperature)
    tokenizer = model.tokenizer
    forced = prefix_ids(tokenizer, prefix, model.config.block_size)
    gpt = engine.decoder(model.config, model.weights)  # gpt(token_id) -> logits; it holds the KV cache
    vocab = range(tokenizer.vocab_size)
    token_id = tokenizer.bos  # 1. start from BOS
    for pos_id in range(model.config.block_size):
        logits = gpt(token_id)  # 2. the model at pos_id: one more key and value per layer
        probs = softmax(logits, temperature)  # 3, 4. divide by the temperature, softmax
        if pos_id < len(forced):
            token_id = forced[pos_id]  # (a prefix: fed in, not drawn)
        else:
            token_id = rng.choices(vocab, weights=probs)[0]  # 5. draw a token
        yield Draw(pos_id, token_id, tokenizer.char(token_id), probs[token_id], probs, pos_id < len(forced))
        if token_id == tokenizer.bos:  # 6. BOS ends the name; else the character is appended
            return


def prefix_ids(tokenizer, prefix, block_size):
    """The prefix's token ids, if the model can be fed it."""
    check("prefix", prefix)
    unknown = "".join(sorted(set(prefix) - set(tokenizer.chars)))
    if unknown:
        raise MicrogptError(f"the prefix has characters the model never saw in training: {unknown!r}")
    if len(prefix) > block_size:
        raise MicrogptError(f"the prefix is longer than the block size ({block_size}), the longest name")
    return tokenizer.encode(prefix)[1:-1]


def sample_name(model, engine, temperature, rng, prefix=""):
    return "".join(d.char for d in sample(model, engine, temperature, rng, prefix) if d.char is not None)


def log_prob(draws):
    """A name's log-probability: log p of each drawn token, the final BOS too, each under the
    distribution it was drawn from. (A prefix is given, not drawn: it adds nothing.)"""
    return sum(math.log(d.prob) for d in draws if not d.forced)
