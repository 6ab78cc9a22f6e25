"""Training, one step at a time, so a caller can report, pause, stop or save between steps."""
import math
import random
from dataclasses import dataclass
from functools import cached_property

from . import health
from .checkpoint import Checkpoint
from .dataset import Tokenizer, data_id
from .engines import get_engine
from .errors import MicrogptError
from .model import GPTConfig, Model, check_size, init_weights
from .settings import DEFAULTS


@dataclass(frozen=True)
class StepResult:
    step: int  # steps done so far, counting this one (1-based)
    num_steps: int
    loss: float
    health: list = None  # when measured: per matrix, (update / weight ratio, gradient norm)


class Trainer:
    """One run of microgpt.py's training loop: the data, the model, Adam and the random stream.

    All randomness comes from one private random.Random(seed), drawn in microgpt.py's order
    (shuffle the docs, then initialise the weights). After that the stream (self.rng) is
    only drawn from by sampling, so the names sampled from it after training are the ones
    microgpt.py prints, and a second batch continues where the first one stopped.
    """

    def __init__(self, docs, config=GPTConfig(), num_steps=DEFAULTS["steps"], seed=DEFAULTS["seed"],
                 engine=DEFAULTS["engine"]):
        """A new run."""
        if type(num_steps) is not int or num_steps < 1:
            raise MicrogptError(f"steps must be a positive whole number, got {num_steps!r}")
        if not docs:
            raise MicrogptError("the dataset has no documents")
        self.engine = get_engine(engine)
        self.num_steps = num_steps
        self.seed = seed
        self.rng = random.Random(seed)
        self.data_id = data_id(docs)
        self.docs = _in_run_order(docs, self.rng)
        tokenizer = Tokenizer.from_docs(self.docs)
        check_size(config, tokenizer.vocab_size)
        self.model = Model(config, tokenizer, init_weights(config, tokenizer.vocab_size, self.rng))
        self.optimizer = self.engine.Optimizer(self.model.weights)
        self.steps_done = 0

    @classmethod
    def resume(cls, ckpt, docs=None, engine=DEFAULTS["engine"]):
        """The run saved in ckpt, exactly where it stopped. Without docs it can sample but
        not train; with them, they must be the run's dataset (the same characters)."""
        trainer = cls.__new__(cls)  # not __init__: nothing is drawn afresh, all comes from ckpt
        trainer.engine = get_engine(engine)
        trainer.num_steps = ckpt.num_steps
        trainer.seed = ckpt.seed
        trainer.rng = random.Random()
        trainer.rng.setstate(ckpt.rng_state)
        trainer.docs = None
        trainer.data_id = ckpt.data_id
        if docs is not None:
            if not ckpt.trains_on(docs):
                raise MicrogptError("this is not the dataset the run was trained on"
                                    if ckpt.data_id else "the dataset's characters differ from the checkpoint's vocabulary")
            trainer.docs = _in_run_order(docs, random.Random(ckpt.seed))  # as the run shuffled them
        trainer.model = ckpt.model
        trainer.optimizer = trainer.engine.Optimizer(ckpt.model.weights, m=ckpt.adam_m, v=ckpt.adam_v)
        trainer.steps_done = ckpt.step
        return trainer

    @cached_property
    def seen(self):
        """The training documents as a set, to tell a sampled name that is one of them; None
        for a run opened without its dataset. (Kept: building it costs milliseconds.)"""
        return None if self.docs is None else frozenset(self.docs)

    @property
    def done(self):
        return self.steps_done >= self.num_steps

    def step(self, measure=False):
        """Train on the next document: one forward, one backward, one Adam update.
        measure: also measure the update's health (health.py)."""
        if self.done:
            raise MicrogptError(f"training is complete ({self.num_steps} steps)")
        if self.docs is None:
            raise MicrogptError("training needs the run's dataset; this model was opened without it")
        i = self.steps_done
        tokens = self.model.tokenizer.encode(self.docs[i % len(self.docs)])
        loss, grads = self.engine.loss_and_grads(self.model.config, self.model.weights, tokens)
        if not math.isfinite(loss):  # refuse the update: the model stays as it was before it
            raise MicrogptError(f"training diverged at step {i + 1}: the loss is {loss}")
        before = health.copy(self.model.weights) if measure else None
        self.optimizer.step(grads, i, self.num_steps)
        self.steps_done = i + 1
        return StepResult(self.steps_done, self.num_steps, loss,
                          health.measure(before, self.model.weights, grads) if measure else None)

    def checkpoint(self):
        return Checkpoint(self.model, self.steps_done, self.num_steps, self.seed,
                          self.optimizer.m, self.optimizer.v, self.rng.getstate(), self.data_id)


def _in_run_order(docs, rng):
    """The documents as the run sees them: shuffled by its random stream, as microgpt.py does."""
    docs = list(docs)
    rng.shuffle(docs)
    return docs
