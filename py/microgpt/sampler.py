"""Sampling: new names, one token at a time.

sample() is microgpt.py's generation loop, and the page's Look inside view shows its source
as "the loop". The CLI, the page's names, Look inside and the training views all run it;
what they need beyond it (checking the settings, a prefix, the sampling mode, the attention,
a record of each turn) is put around it here, never into it.
"""
import ast
import inspect
import math
from typing import NamedTuple

from .errors import MicrogptError
from .settings import check


class Turn(NamedTuple):
    """One turn of the loop: what it computed at position pos."""
    pos: int
    logits: list  # the model's output, by token id (BOS last)
    probs: list  # the distribution the token came from: softmax(logits / temperature), filtered
    token_id: int  # the token that came out (BOS ends the name)


def sample(gpt, model, temperature, rng):
    """One new name: microgpt.py's generation loop, yielding each turn as it is computed.

    gpt(token_id, pos_id, keys, values) is the model at one position: the logits of the
    token that comes next. keys and values are the KV cache, a list per layer: each
    position adds its key and value there, and attends over all that are there.

    Exactness: microgpt.py divides Values, and a Value's x / t is x * t**-1; these are
    floats, so the loop writes x * t**-1, for exactly microgpt.py's names.
    """
    BOS, n_layer = model.tokenizer.bos, model.config.n_layer
    keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]  # the KV cache, empty
    token_id = BOS  # start from BOS, the token that marks where a name begins (and ends)
    name = []
    for pos_id in range(model.config.block_size):  # a name is at most block_size tokens
        logits = gpt(token_id, pos_id, keys, values)  # the model: a score for every next token
        scaled = [logit * temperature**-1 for logit in logits]  # divide by the temperature
        probs = softmax(scaled)  # softmax: probabilities that sum to 1
        token_id = rng.choices(range(len(probs)), weights=probs)[0]  # draw the next token
        yield Turn(pos_id, logits, probs, token_id)  # (for whoever watches the loop)
        if token_id == BOS:  # BOS drawn: the name is done
            break
        name.append(token_id)  # else append it: it is the next turn's input
    return model.tokenizer.decode(name)


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
    """What the loop makes of logits: the distribution a token is drawn from."""
    check("temperature", temperature)
    return softmax([logit * temperature**-1 for logit in logits])  # as in sample()


# --- Around the loop ----------------------------------------------------------------------

def filtered(probs, sampling, top_k=None, top_p=None):
    """The distribution a token is drawn from in a sampling mode: "temperature", probs itself
    (microgpt.py's); else only the tokens the mode keeps, renormalised, and 0 for the rest.
    greedy keeps the most likely token, top-k the top_k most likely, top-p the fewest most
    likely whose probabilities (added most likely first) reach top_p. Most likely first means
    the lower id first on a tie; the kept total is added in id order, a plain left-to-right sum,
    so the page, the CLI and the tests all get the same floats."""
    if sampling == "temperature":
        return probs
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    if sampling == "greedy":
        n = 1
    elif sampling == "top-k":
        n = top_k
    elif sampling == "top-p":
        running = 0.0
        for n, i in enumerate(order, 1):  # at least one token, all of them if rounding falls short
            running += probs[i]
            if running >= top_p:
                break
    else:
        raise ValueError(f"no sampling mode {sampling!r}")
    kept = set(order[:n])
    total = 0.0
    for i in sorted(kept):
        total += probs[i]
    return [p / total if i in kept else 0.0 for i, p in enumerate(probs)]


class Drawer:
    """A random stream for the loop that draws only from what the sampling mode keeps of each
    distribution (filtered): the loop stays microgpt.py's, and this is its rng. Greedy draws
    no random number (the stream is left as it was): it takes the one token kept."""

    def __init__(self, sampling, rng, top_k=None, top_p=None):
        self.sampling, self.rng, self.top_k, self.top_p = sampling, rng, top_k, top_p

    def kept(self, probs):
        return filtered(probs, self.sampling, self.top_k, self.top_p)

    def choices(self, population, weights):
        kept = self.kept(weights)
        if self.sampling == "greedy":
            return [population[kept.index(max(kept))]]
        return self.rng.choices(population, weights=kept)


def drawer(sampling, rng, top_k=None, top_p=None):
    """The loop's rng for a sampling mode, its settings checked: rng itself for "temperature"
    (microgpt.py's draws, exactly), else a Drawer around it."""
    check("sampling", sampling)
    if sampling == "temperature":
        return rng
    if sampling == "top-k":
        check("top_k", top_k)
    if sampling == "top-p":
        check("top_p", top_p)
    return Drawer(sampling, rng, top_k, top_p)


def drawn_from(loop, kept):
    """The loop's turns, each with the distribution its token was drawn from (kept(probs)),
    and its name: so a name's log-probability is under the distribution it was drawn from."""
    while True:
        try:
            turn = next(loop)
        except StopIteration as end:
            return end.value
        yield turn._replace(probs=kept(turn.probs))


class Given:
    """A random stream whose first draws are given: a prefix's tokens come out of the loop's
    draw as if drawn, without drawing from rng (so the stream goes on as if they had not
    been there); every draw after them is rng's."""

    def __init__(self, token_ids, rng):
        self.given, self.rng = list(token_ids), rng

    def choices(self, population, weights):
        if self.given:
            return [self.given.pop(0)]
        return self.rng.choices(population, weights=weights)


def traced(gpt, trace):
    """gpt, with each position's attention weights appended to trace: [layer][head][position]."""
    def gpt_traced(token_id, pos_id, keys, values):
        trace.append([])
        return gpt(token_id, pos_id, keys, values, attention=trace[-1])
    return gpt_traced


def new_name(model, engine, temperature, rng, prefix="", trace=None, sampling="temperature", top_k=None,
             top_p=None):
    """sample() ready to run: the settings checked, the prefix given (its tokens fed as the
    first draws), with trace, a list, each position's attention appended to it, and drawing
    in the sampling mode (drawer), each turn's probs the distribution it drew from."""
    check("temperature", temperature)
    draw = drawer(sampling, rng, top_k, top_p)
    gpt = engine.inference(model.config, model.weights)
    loop = sample(traced(gpt, trace) if trace is not None else gpt, model, temperature,
                  Given(prefix_ids(model, prefix), draw))
    return loop if draw is rng else drawn_from(loop, draw.kept)


def run(loop):
    """Run the loop to its end: its turns, and the name it returns."""
    turns = []
    while True:
        try:
            turns.append(next(loop))
        except StopIteration as end:
            return turns, end.value


def sample_name(model, engine, temperature, rng, prefix=""):
    return run(new_name(model, engine, temperature, rng, prefix))[1]


def prefix_ids(model, prefix):
    """The prefix's token ids, if the model can be fed it."""
    check("prefix", prefix)
    unknown = model.tokenizer.unknown(prefix)
    if unknown:
        raise MicrogptError(f"the prefix has characters the model never saw in training: {unknown!r}")
    if len(prefix) > model.config.block_size:
        raise MicrogptError(f"the prefix is longer than the block size ({model.config.block_size}), the longest name")
    return model.tokenizer.encode(prefix)[1:-1]


def log_prob(turns, given=0):
    """A name's log-probability: log p of each drawn token, the final BOS too, each under the
    distribution it was drawn from. (The first `given` turns, a prefix, are not drawn: they
    add nothing.)"""
    return sum(math.log(turn.probs[turn.token_id]) for turn in turns[given:])


# --- The loop as the page shows it --------------------------------------------------------

# The steps of the loop, in the order of a turn, as the page names them; what follows "draw"
# is "stop-check", then "done" or "append".
STEPS = ("start", "model", "temperature", "softmax", "draw", "stop-check", "done", "append")


def loop_source():
    """sample()'s source, as the page shows it: its lines, the number of the first, and the
    line of each step of the loop (STEPS), found in the code's own structure (its syntax tree)."""
    lines, first = inspect.getsourcelines(sample)
    tree = ast.parse("".join(lines))
    return {"lines": [line.rstrip("\n") for line in lines], "first_line": first, "steps": loop_steps(tree)}


def loop_steps(tree):
    """The line (0-based, in tree's source) of each step of a generation loop: the statements
    before its `for` that set token_id (start), and in it the call of gpt (model), the line
    that uses the temperature, the call of softmax, the draw (choices), the `if` (stop-check),
    its break (done) and the append. A step not found is left out."""
    function = tree.body[0]
    loop = next(node for node in function.body if isinstance(node, ast.For))
    steps = {}
    for node in function.body[:function.body.index(loop)]:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "token_id" for t in node.targets):
            steps["start"] = node.lineno - 1
    for statement in loop.body:
        for node in ast.walk(statement):
            step = _step_of(node)
            if step and step not in steps:
                steps[step] = node.lineno - 1
    return steps


def _step_of(node):
    if isinstance(node, ast.If):
        return "stop-check"
    if isinstance(node, (ast.Break, ast.Return)):
        return "done"
    if isinstance(node, ast.Name) and node.id == "temperature":
        return "temperature"
    if isinstance(node, ast.Call):
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        return {"gpt": "model", "softmax": "softmax", "choices": "draw", "append": "append"}.get(called)
    return None
