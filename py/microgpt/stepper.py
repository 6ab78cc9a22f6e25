"""The generation loop one turn at a time, for the page's "Look inside" view.

It runs sampler.sample() itself, under inspection, so what the page shows is what the loop
computes. Between two turns the learner may change the temperature (the turns after it
draw from the new distribution) or force a token at the current position: a branch, which
is the same as sampling again with the name so far, and that token, as the prefix.
"""
import random
from dataclasses import replace

from .sampler import probabilities, sample


class Stepper:
    def __init__(self, model, engine, temperature, rng, prefix="", seed=None):
        self.model, self.engine = model, engine
        self.temperature, self.rng, self.seed = temperature, rng, seed
        self.prefix = prefix  # given, not drawn: it stays given when the loop is rebuilt
        self.turns = self._loop(prefix)
        self.draw = None  # the current turn

    def step(self):
        """The next turn of the loop, or None once the name is done."""
        self.draw = next(self.turns, None) if not self.done else None
        return self.draw

    @property
    def done(self):
        return self.draw is not None and (self.draw.char is None or self.draw.pos == self.model.config.block_size - 1)

    def set_temperature(self, temperature):
        """From now on draw at this temperature; the current turn's distribution, redrawn at it
        (the logits stay the same: only the division changes)."""
        probs = probabilities(self.draw.logits, temperature) if self.draw else None
        self.temperature = temperature
        if self.draw and not self.done:
            so_far = self.draw.name + self.draw.char
            prefix = self.prefix if len(self.prefix) > len(so_far) else so_far
            self.turns = self._loop(prefix, resume_at=self.draw.pos)
        return probs

    def branch(self, token_id):
        """Force token_id at the current position and go on from there: the name so far and it
        become a prefix, sampled afresh (with the sampling seed, if any, from its start)."""
        if self.seed is not None:
            self.rng = random.Random(self.seed)
        char = self.model.tokenizer.char(token_id)
        prefix = self.draw.name + (char or "")
        if char is None:  # BOS forced: the name ends here
            self.draw = replace(self.draw, token_id=token_id, char=None, prob=self.draw.probs[token_id], forced=True)
            self.turns = iter(())
            return self.draw
        self.prefix = prefix
        self.turns = self._loop(prefix)
        for _ in range(len(prefix)):
            self.draw = next(self.turns)
        return self.draw

    def _loop(self, prefix, resume_at=None):
        """sample() fed prefix; with resume_at, its turns up to that position skipped (they were
        seen already: feeding them again only rebuilds the KV cache)."""
        turns = sample(self.model, self.engine, self.temperature, self.rng, prefix, inspect=True)
        if resume_at is not None:
            for _ in range(resume_at + 1):
                next(turns)
        return turns
