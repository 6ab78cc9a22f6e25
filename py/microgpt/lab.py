"""The lab: the generation loop as the learner edited it, run on the trained model.

The edit is Python source, handed over as a string: it stays data until the learner runs it,
and then it is compiled as a module of its own ("<the lab>"), never pasted into other source.
It must define sample(gpt, model, temperature, rng), as sampler.sample does; whatever it
returns (or, for a generator, returns at its end) is the name.

The presets are edits of the original loop, made here by replacing a few of its lines, so the
learner reads each one as a small diff: what greedy, top-k, top-p, no KV cache, no stopping at
BOS and a temperature schedule change in the loop.
"""
import contextlib
import copy
import inspect
import io
import math
import random
import traceback
import types

from .errors import MicrogptError
from .sampler import Turn, sample, softmax

FILENAME = "<the lab>"
MAX_SOURCE = 100_000  # characters: a loop is a few hundred
MAX_OUTPUT = 20_000  # characters of print() output kept a run


def original():
    """The loop as sampler.sample is written: the lab's starting point."""
    return "".join(inspect.getsourcelines(sample)[0])


DRAW = "        token_id = rng.choices(range(len(probs)), weights=probs)[0]  # draw the next token\n"
MODEL = "        logits = gpt(token_id, pos_id, keys, values)  # the model: a score for every next token\n"
SCALE = "        scaled = [logit * temperature**-1 for logit in logits]  # divide by the temperature\n"
KEEP = """\
        total = sum(probs[i] for i in sorted(kept))  # (added in id order, as the Generate card does)
        probs = [p / total if i in kept else 0.0 for i, p in enumerate(probs)]  # the kept, renormalised
"""

# Each preset: the lines of the original it replaces, and with what.
PRESETS = {
    "original": {},
    "greedy": {DRAW: "        token_id = max(range(len(probs)), key=probs.__getitem__)  # greedy: the most likely "
                     "(the lowest id on a tie), no randomness\n"},
    "top-k": {DRAW: """\
        top_k = 5  # keep the 5 most likely tokens (the lower id first on a tie)
        kept = sorted(range(len(probs)), key=lambda i: (-probs[i], i))[:top_k]
""" + KEEP + DRAW},
    "top-p": {DRAW: """\
        top_p = 0.9  # keep the fewest most likely tokens whose probabilities reach 0.9
        kept, running = [], 0.0
        for i in sorted(range(len(probs)), key=lambda i: (-probs[i], i)):
            kept.append(i)
            running += probs[i]
            if running >= top_p:
                break
""" + KEEP + DRAW},
    "no-kv-cache": {MODEL: """\
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]  # no cache: empty every turn
        for t, input_id in enumerate([BOS] + name):  # so every position so far runs through the model again
            logits = gpt(input_id, t, keys, values)
"""},
    "ignore-bos": {DRAW: "        token_id = rng.choices(range(len(probs)), weights=[0.0 if i == BOS else p for i, p in "
                         "enumerate(probs)])[0]  # never BOS: only the block size ends a name\n"},
    "temperature-schedule": {SCALE: "        t = temperature * (0.5 + pos_id / model.config.block_size)  # cool at the start, "
                                    "hotter as the name grows\n"
                                    "        scaled = [logit * t**-1 for logit in logits]  # divide by this turn's temperature\n"},
}


def preset(name):
    """The source of a preset: the original loop with its lines replaced."""
    if name not in PRESETS:
        raise MicrogptError(f"there is no preset {name!r}; there are {', '.join(PRESETS)}")
    source = original()
    for old, new in PRESETS[name].items():
        if old not in source:
            raise AssertionError(f"the loop no longer has the line {old.strip()!r} that preset {name} replaces")
        source = source.replace(old, new, 1)
    return source


class EditError(MicrogptError):
    """The edit failed: its message, the traceback as Python printed it, and the line of the edit
    where it failed (1-based; None when it failed outside the edit)."""

    def __init__(self, message, trace, line):
        super().__init__(message)
        self.trace, self.line = trace, line


def compile_edit(source):
    """The edit's sample function; a syntax error, or no sample function, is an EditError."""
    if type(source) is not str:
        raise MicrogptError("the loop is text")
    if len(source) > MAX_SOURCE:
        raise MicrogptError(f"the loop is longer than {MAX_SOURCE:,} characters")
    try:
        code = compile(source, FILENAME, "exec")
    except SyntaxError as error:
        trace = "".join(traceback.format_exception_only(type(error), error))
        raise EditError(f"line {error.lineno}: {error.msg}", trace, error.lineno) from None
    namespace = {"__name__": "lab", "softmax": softmax, "Turn": Turn, "math": math, "random": random}
    run_guarded(lambda: exec(code, namespace))
    function = namespace.get("sample")
    if not callable(function):
        raise EditError("the loop must define sample(gpt, model, temperature, rng)", "", None)
    return function


def run_guarded(work):
    """Run the edit's code; any exception it raises (even a stop: KeyboardInterrupt) is an EditError
    with the traceback from the edit's frames on, and the line of the edit where it happened."""
    try:
        return work()
    except (Exception, KeyboardInterrupt) as error:
        frames = traceback.extract_tb(error.__traceback__)
        ours = [i for i, frame in enumerate(frames) if frame.filename == FILENAME]
        line = frames[ours[-1]].lineno if ours else None
        if isinstance(error, KeyboardInterrupt):
            raise EditError("stopped" + (f" at line {line}" if line else ""), "", line) from None
        if isinstance(error, MemoryError):
            raise EditError("the loop ran out of memory", "MemoryError\n", line) from None
        tb = error.__traceback__  # shown from the edit's first frame on: the package's own are no news
        while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
            tb = tb.tb_next
        shown = traceback.format_exception(type(error), error, tb)
        raise EditError(f"{type(error).__name__}: {error}" + (f" (line {line})" if line else ""), "".join(shown),
                        line) from None


def names(function, model, engine, samples, temperature, rng):
    """Yield the names the loop function writes, one at a time, drawing from a copy of rng (the
    stream rng stands for is left where it is, for the next run)."""
    gpt = engine.inference(model.config, model.weights)
    rng = copy.copy(rng)
    for _ in range(samples):
        yield run_guarded(lambda: name_of(function(gpt, model, temperature, rng)))


def name_of(result):
    """What a loop gives: a generator's return value (the original yields each turn), or the value."""
    if isinstance(result, types.GeneratorType):
        while True:
            try:
                next(result)
            except StopIteration as end:
                result = end.value
                break
    if not isinstance(result, str):
        raise TypeError(f"sample() must return the name, a str, not {type(result).__name__}")
    return result


def events(source, model, engine, samples, temperature, rng):
    """Run the edit: yield each name's characters ({"sample", "char"}), then the name beside the
    one the original loop writes from the same random stream ({"sample", "name", "original"}),
    print()'s output as it comes ({"output"}), and, if the edit fails, {"error": {message, trace,
    line}} last. The settings are checked by the caller."""
    originals = names(sample, model, engine, samples, temperature, rng)
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            written = names(compile_edit(source), model, engine, samples, temperature, rng)
        for i in range(samples):
            with contextlib.redirect_stdout(buffer):
                name = next(written)
            yield from flushed(buffer)
            for char in name:
                yield {"sample": i, "char": char}
            yield {"sample": i, "name": name, "original": next(originals)}
    except EditError as error:
        yield from flushed(buffer)
        yield {"error": {"message": str(error), "trace": error.trace, "line": error.line}}


def flushed(buffer):
    """print()'s output since the last time, as an event (at most MAX_OUTPUT characters a run)."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if text:
        yield {"output": text[:MAX_OUTPUT]}

