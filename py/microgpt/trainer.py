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

    def __init__(self, model, dataset, num_steps, seed, rng, data_id, engine=DEFAULTS["engine"], steps_done=0,
                 adam_m=None, adam_v=None):
        """A run in any state: new() starts one, resume() picks one up from a checkpoint.
        dataset: the run's documents, in the dataset's order (None: it can sample, not train)."""
        self.model, self.dataset, self.num_steps, self.seed, self.rng = model, dataset, num_steps, seed, rng
        self.data_id, self.steps_done = data_id, steps_done
        self.engine = get_engine(engine)
        self.optimizer = self.engine.Optimizer(model.weights, m=adam_m, v=adam_v)

    @classmethod
    def new(cls, docs, config=GPTConfig(), num_steps=DEFAULTS["steps"], seed=DEFAULTS["seed"],
            engine=DEFAULTS["engine"]):
        """A new run: shuffle the documents, then initialise the weights, from random.Random(seed)."""
        if type(num_steps) is not int or num_steps < 1:
            raise MicrogptError(f"steps must be a positive whole number, got {num_steps!r}")
        if not docs:
            raise MicrogptError("the dataset has no documents")
        rng = random.Random(seed)
        run_docs = _in_run_order(docs, rng)
        tokenizer = Tokenizer.from_docs(run_docs)
        check_size(config, tokenizer.vocab_size)
        model = Model(config, tokenizer, init_weights(config, tokenizer.vocab_size, rng))
        run = cls(model, docs, num_steps, seed, rng, data_id(docs), engine)
        run.docs = run_docs  # (in the run's order already)
        return run

    @classmethod
    def resume(cls, ckpt, docs=None, engine=DEFAULTS["engine"]):
        """The run saved in ckpt, exactly where it stopped. Without docs it can sample but
        not train; with them, they must be the run's dataset (the same characters)."""
        if docs is not None:
            if not ckpt.trains_on(docs):
                raise MicrogptError("this is not the dataset the run was trained on"
                                    if ckpt.data_id else "the dataset's characters differ from the checkpoint's vocabulary")
        rng = random.Random()
        rng.setstate(ckpt.rng_state)
        return cls(ckpt.model, docs, ckpt.num_steps, ckpt.seed, rng, ckpt.data_id, engine, ckpt.step,
                   ckpt.adam_m, ckpt.adam_v)

    @cached_property
    def docs(self):
        """The documents in the run's order: shuffled by random.Random(seed), as the run's own
        stream first shuffled them. Put in order when training first needs them: a run opened
        only to sample from (the page's first visit) never pays for it."""
        return None if self.dataset is None else _in_run_order(self.dataset, random.Random(self.seed))

    @cached_property
    def seen(self):
        """The training documents as a set, to tell a sampled name that is one of them; None
        for a run opened without its dataset. (Kept: building it costs milliseconds.)"""
        return None if self.dataset is None else frozenset(self.dataset)

    @property
    def done(self):
        return self.steps_done >= self.num_steps

    def step(self, measure=False):
        """Train on the next document: one forward, one backward, one Adam update.
        measure: also measure the update's health (health.py)."""
        if self.done:
            raise MicrogptError(f"training is complete ({self.num_steps} steps)")
        if self.dataset is None:
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
