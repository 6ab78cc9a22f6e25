"""The generation loop one turn at a time, for the page's "Look inside" view.

It runs sampler.sample() itself, with the attention traced, so what the page shows is what
the loop computes, in the sampling mode it was started in. Between two turns the learner may
change the temperature (the turns after it draw from the new distribution, in the same mode)
or force a token at the current position: a branch, which is the same as sampling again with
the name so far, and that token, as the prefix.
"""
import random
from dataclasses import dataclass

from .sampler import filtered, new_name, probabilities


@dataclass(frozen=True)
class Step:
    """A turn of the loop as the page shows it."""
    pos: int
    name: str  # the name so far, before this turn
    token_id: int  # the token that came out: drawn, or given (the prefix, or forced)
    logits: list
    probs: list  # at the temperature of this turn: what the token was drawn from (sampler.filtered)
    forced: bool  # given rather than drawn
    attention: list  # [layer][head] the weights over positions 0..pos

    @property
    def prob(self):
        return self.probs[self.token_id]


class Stepper:
    def __init__(self, model, engine, temperature, rng, prefix="", seed=None, sampling="temperature", top_k=None,
                 top_p=None):
        self.model, self.engine = model, engine
        self.temperature, self.rng, self.seed = temperature, rng, seed
        self.sampling = {"sampling": sampling, "top_k": top_k, "top_p": top_p}  # kept across every restart
        self.prefix = prefix  # given, not drawn: it stays given when the loop is rebuilt
        self._start(prefix)
        self.step_shown = None  # the current turn

    def step(self):
        """The next turn of the loop, or None once the name is done."""
        self.step_shown = None if self.done else self._next()
        return self.step_shown

    @property
    def done(self):
        shown = self.step_shown
        return shown is not None and (shown.token_id == self.model.tokenizer.bos
                                      or shown.pos == self.model.config.block_size - 1)

    def set_temperature(self, temperature):
        """From now on draw at this temperature, in the same mode; the current turn's distribution,
        redrawn at it (the logits stay the same: only the division changes)."""
        shown = self.step_shown
        probs = filtered(probabilities(shown.logits, temperature), **self.sampling) if shown else None
        self.temperature = temperature
        if shown and not self.done:
            so_far = shown.name + self.model.tokenizer.decode([shown.token_id])
            self._start(self.prefix if len(self.prefix) > len(so_far) else so_far, skip=shown.pos + 1)
        return probs

    def branch(self, token_id):
        """Force token_id at the current position and go on from there: the name so far and it
        become a prefix, sampled afresh (with the sampling seed, if any, from its start)."""
        shown = self.step_shown
        if self.seed is not None:
            self.rng = random.Random(self.seed)
        if token_id == self.model.tokenizer.bos:  # BOS forced: the name ends here
            self.step_shown = self.steps[-1] = Step(shown.pos, shown.name, token_id, shown.logits, shown.probs, True,
                                                    shown.attention)
            self.loop = iter(())
            return self.step_shown
        self.prefix = shown.name + self.model.tokenizer.decode([token_id])
        self._start(self.prefix, skip=len(self.prefix) - 1)
        self.step_shown = self._next()
        return self.step_shown

    def _start(self, prefix, skip=0):
        """The loop afresh, given prefix; its first `skip` turns run now (they were seen
        already: feeding them again only rebuilds the KV cache)."""
        self.given = len(prefix)
        self.trace = []  # each position's attention
        self.tokens = []  # what came out of each turn so far
        self.steps = []  # the turns of this name so far, as shown
        self.cache = Watched(self.engine)  # the loop's own keys and values, once it has made them
        self.loop = new_name(self.model, self.cache, self.temperature, self.rng, prefix, self.trace, **self.sampling)
        for _ in range(skip):
            self._next()

    def _next(self):
        turn = next(self.loop)
        name = self.model.tokenizer.decode(self.tokens)
        self.tokens.append(turn.token_id)
        self.steps.append(Step(turn.pos, name, turn.token_id, turn.logits, turn.probs, turn.pos < self.given,
                               self.trace[-1]))
        return self.steps[-1]


class Watched:
    """The engine, but its gpt also shows the stepper the loop's KV cache (sample() keeps it to
    itself): the very lists the loop hands the model at each position."""

    def __init__(self, engine):
        self.engine = engine
        self.keys = self.values = None  # per layer, a key (and a value) per position so far

    def inference(self, config, weights):
        gpt = self.engine.inference(config, weights)

        def gpt_watched(token_id, pos_id, keys, values, attention=None):
            self.keys, self.values = keys, values
            return gpt(token_id, pos_id, keys, values, attention)
        return gpt_watched
