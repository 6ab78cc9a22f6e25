"""Training, one step at a time, so a caller can report, pause, stop or save between steps."""
import random
from dataclasses import dataclass

from .checkpoint import Checkpoint
from .dataset import Tokenizer
from .engines import DEFAULT_ENGINE, get_engine
from .errors import MicrogptError
from .model import GPTConfig, Model, init_weights


@dataclass(frozen=True)
class StepResult:
    step: int  # steps done so far, counting this one (1-based)
    num_steps: int
    loss: float


class Trainer:
    """One run of microgpt.py's training loop: the data, the model, Adam and the random stream.

    All randomness comes from one private random.Random(seed), drawn in microgpt.py's order
    (shuffle the docs, then initialise the weights), so the losses, and the names sampled
    afterwards from the same stream (self.rng), are the ones microgpt.py prints.
    """

    def __init__(self, docs, config=GPTConfig(), num_steps=500, seed=42, engine=DEFAULT_ENGINE):
        if type(num_steps) is not int or num_steps < 1:
            raise MicrogptError(f"steps must be a positive whole number, got {num_steps!r}")
        if not docs:
            raise MicrogptError("the dataset has no documents")
        self.engine = get_engine(engine)
        self.num_steps = num_steps
        self.seed = seed
        self.rng = random.Random(seed)
        self.docs = list(docs)
        self.rng.shuffle(self.docs)
        tokenizer = Tokenizer.from_docs(self.docs)
        weights = init_weights(config, tokenizer.vocab_size, self.rng)
        self.model = Model(config, tokenizer, weights)
        self.optimizer = self.engine.Optimizer(weights)
        self.steps_done = 0

    @property
    def done(self):
        return self.steps_done >= self.num_steps

    def step(self):
        """Train on the next document: one forward, one backward, one Adam update."""
        if self.done:
            raise MicrogptError(f"training is complete ({self.num_steps} steps)")
        i = self.steps_done
        tokens = self.model.tokenizer.encode(self.docs[i % len(self.docs)])
        loss, grads = self.engine.loss_and_grads(self.model.config, self.model.weights, tokens)
        self.optimizer.step(grads, i, self.num_steps)
        self.steps_done = i + 1
        return StepResult(self.steps_done, self.num_steps, loss)

    def checkpoint(self):
        return Checkpoint(self.model, self.steps_done, self.num_steps, self.seed,
                          self.optimizer.m, self.optimizer.v, self.rng.getstate())

    @classmethod
    def resume(cls, ckpt, docs, engine=DEFAULT_ENGINE):
        """Continue a saved run on the same dataset, exactly where it stopped."""
        trainer = cls(docs, ckpt.model.config, ckpt.num_steps, ckpt.seed, engine)
        if trainer.model.tokenizer != ckpt.model.tokenizer:
            raise MicrogptError("the dataset's characters differ from the checkpoint's vocabulary")
        trainer.model = ckpt.model
        trainer.optimizer = trainer.engine.Optimizer(ckpt.model.weights, m=ckpt.adam_m, v=ckpt.adam_v)
        trainer.steps_done = ckpt.step
        trainer.rng.setstate(ckpt.rng_state)
        return trainer
