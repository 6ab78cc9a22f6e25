"""Sampling: new names, one character at a time, as a generator.

sample() is microgpt.py's generation loop (its lines 186-200), the same code whether it
makes names for the CLI and the page or runs step by step under the page's "Look inside"
view, which shows this very source and highlights its numbered lines as they run.
"""
import math
from dataclasses import dataclass

from .errors import MicrogptError
from .settings import check


@dataclass(slots=True)
class Draw:
    """One turn of the generation loop: what went in at position pos, and what came out."""
    pos: int
    name: str  # the name so far, before this turn
    token_id: int  # the token that came out: drawn, or fed from the prefix
    char: str  # its character, or None for BOS, which ends the name
    prob: float  # its probability in probs
    logits: list  # the model's output at this position, by token id (BOS last)
    probs: list  # softmax(logits / temperature): the distribution it came from
    forced: bool  # fed in from the prefix rather than drawn
    attention: list = None  # when inspected: [layer][head] the weights over positions 0..pos


def sample(model, engine, temperature, rng, prefix="", inspect=False):
    """Yield a Draw per turn of the loop, the one that draws BOS included.
    A prefix's characters are fed in first, drawing nothing. inspect: each
    Draw also holds every layer's and head's attention weights."""
    check("temperature", temperature)
    tokenizer = model.tokenizer
    forced = prefix_ids(tokenizer, prefix, model.config.block_size)
    trace = [] if inspect else None  # gets each position's attention
    gpt = engine.decoder(model.config, model.weights, trace)  # holds the KV cache
    vocab = range(tokenizer.vocab_size)
    inv_temperature = temperature**-1  # as Value: x / t is x * t**-1
    name = []
    token_id = tokenizer.bos  # 1. start from BOS
    for pos_id in range(model.config.block_size):
        logits = gpt(token_id)  # 2. the model at pos_id (the KV cache grows)
        scaled = [logit * inv_temperature for logit in logits]  # 3. ÷ temperature
        probs = softmax(scaled)  # 4. softmax: probabilities that sum to 1
        if pos_id < len(forced):
            token_id = forced[pos_id]  # (a prefix: fed in, not drawn)
        else:
            token_id = rng.choices(vocab, weights=probs)[0]  # 5. draw a token
        yield Draw(pos_id, "".join(name), token_id, tokenizer.char(token_id),
                   probs[token_id], logits, probs, pos_id < len(forced),
                   trace[-1] if inspect else None)
        if token_id == tokenizer.bos:  # 6. BOS: the name is done
            return
        name.append(tokenizer.chars[token_id])  # 7. else append, and go on


def softmax(logits):
    """Probabilities from logits, with the same float operations, in the same order, as
    reference.softmax on Values: that way every engine draws exactly microgpt.py's names."""
    max_val = max(logits)  # subtracted for numerical safety only
    exps = [math.exp(logit - max_val) for logit in logits]
    total = 0.0
    for e in exps:  # left to right, as Value addition does (sum() of floats may not)
        total += e
    inv_total = total**-1  # as Value: e / total is e * total**-1
    return [e * inv_total for e in exps]


def probabilities(logits, temperature):
    """What the loop's steps 3 and 4 make of logits: the distribution a token is drawn from."""
    check("temperature", temperature)
    return softmax([logit * temperature**-1 for logit in logits])  # as Value: x / t is x * t**-1


def prefix_ids(tokenizer, prefix, block_size):
    """The prefix's token ids, if the model can be fed it."""
    check("prefix", prefix)
    unknown = tokenizer.unknown(prefix)
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


def loop_source():
    """This module's sample(), as the page shows it: its source lines, and the line of each
    numbered step (1. start from BOS ... 7. append), found by their comments."""
    import inspect  # (only the page asks for this)

    lines, first = inspect.getsourcelines(sample)
    steps = {}
    for i, line in enumerate(lines):
        if "  # " in line:
            note = line.split("  # ", 1)[1]
            if note[:1].isdigit() and note[1:3] == ". ":
                steps[int(note[0])] = i
    return {"lines": [line.rstrip("\n") for line in lines], "first_line": first, "steps": steps}
