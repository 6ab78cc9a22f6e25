"""What the page drives: one dataset, one training run, and sampling from it.

The web worker holds one Session and calls it with plain values (numbers and strings,
passed as arguments, never as Python source). It answers with plain dicts and lists, so
every result crosses into JavaScript as ordinary objects.
"""
import random
import time

from . import checkpoint
from .dataset import Tokenizer, parse_docs
from .errors import MicrogptError
from .model import GPTConfig, num_params
from .sampler import check_samples, check_temperature, sample
from .trainer import Trainer


class Session:
    def __init__(self, text):
        self.docs = parse_docs(text)
        if not self.docs:
            raise MicrogptError("the dataset has no non-empty lines")
        self.tokenizer = Tokenizer.from_docs(self.docs)
        self.trainer = None
        self.sampling_state = None  # the run's random stream just after its weights were drawn

    def describe(self, n_embd=16, n_head=4, n_layer=1, block_size=8):
        """The dataset, and the size of the model these settings would make."""
        config = GPTConfig(n_embd, n_head, n_layer, block_size)
        return {"docs": len(self.docs), "vocab_size": self.tokenizer.vocab_size,
                "chars": "".join(self.tokenizer.chars),
                "num_params": num_params(config, self.tokenizer.vocab_size)}

    def start_training(self, steps, seed, n_embd, n_head, n_layer, block_size, engine):
        config = GPTConfig(n_embd, n_head, n_layer, block_size)
        self.trainer = Trainer(self.docs, config, steps, _whole(seed, "seed"), engine)
        self.sampling_state = self.trainer.rng.getstate()
        return {"num_steps": steps, "num_params": num_params(config, self.tokenizer.vocab_size)}

    def save(self):
        """The run as checkpoint JSON, so the page can keep it and hand it to a new worker."""
        if self.trainer is None:
            raise MicrogptError("there is no model to save yet")
        return checkpoint.to_json(self.trainer.checkpoint())

    def restore(self, text, engine):
        """Carry on from a saved run: generating gives the names it gave before."""
        self.trainer = Trainer.resume(checkpoint.from_json(text), self.docs, engine)
        self.sampling_state = self.trainer.rng.getstate()
        return {"step": self.trainer.steps_done, "num_steps": self.trainer.num_steps}

    def train(self, seconds):
        """Train until about `seconds` have passed or the run is done; return the new losses."""
        trainer = self.trainer
        deadline = time.perf_counter() + seconds
        losses = []
        while not trainer.done:
            losses.append(trainer.step().loss)
            if time.perf_counter() >= deadline:
                break
        return {"step": trainer.steps_done, "num_steps": trainer.num_steps, "losses": losses}

    def generate(self, samples, temperature, seed):
        """Yield (sample, char, prob) for each character as it is drawn, and (sample, None,
        None) after each name. (Tuples, because they cross into JavaScript cheaply.)

        With the run's own seed, sampling continues the training run's random stream, so
        the names are the ones microgpt.py prints after the same training.
        """
        if self.trainer is None:
            raise MicrogptError("train the model before generating")
        check_temperature(temperature)
        check_samples(samples)
        seed = _whole(seed, "seed")
        rng = random.Random(seed)
        if seed == self.trainer.seed:
            rng.setstate(self.sampling_state)
        for i in range(samples):
            for token in sample(self.trainer.model, self.trainer.engine, temperature, rng):
                yield i, token.char, token.prob
            yield i, None, None


def _whole(value, name):
    if type(value) is not int:
        raise MicrogptError(f"{name} must be a whole number, got {value!r}")
    return value


def take(events, seconds):
    """The next events of a generator, as many as come within about `seconds` (at least one,
    unless it is exhausted): the worker crosses from JavaScript into Python once per batch,
    not once per character."""
    deadline = time.perf_counter() + seconds
    batch = []
    for event in events:
        batch.append(event)
        if time.perf_counter() >= deadline:
            break
    return batch
