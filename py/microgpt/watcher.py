"""What the page shows of a run while it trains, computed in the worker from the weights the
trainer already holds:

- frames, every FRAME_EVERY steps and at a run's end: the token embeddings (wte) and the
  position embeddings (wpe) projected to 2-D by PCA, and (at most every INSIDE_EVERY_SECONDS,
  and at the end) the attention of every layer and head on a probe word;
- the health of each weight matrix, every health.EVERY steps (health.py);
- the weights every k steps (history.py), to go back to any kept step: its frame, and a few
  names sampled from it with a fixed seed, so a step always gives the same names.

The page collects frames and health a few times a second (Session.views); when it hides the
views, neither is computed, and training runs at full speed (keeping the history costs about
half a percent).
"""
import random
import time

from . import fast, health
from .errors import MicrogptError
from .history import MAX_BYTES, History
from .model import Model, num_params, param_shapes
from .pca import principal_axes, project
from .sampler import sample_name
from .settings import DEFAULTS

FRAME_EVERY = 25  # steps between two frames
TRAVEL_NAMES = 5  # names sampled at a kept step
TRAVEL_SEED = 1  # their sampling seed: the same step, the same names
TRAVEL_TEMPERATURE = DEFAULTS["temperature"]
INSIDE_EVERY_SECONDS = 0.25  # while training, the attention (and wte's rows) go with a frame at most this often


class Watcher:
    def __init__(self):
        self.shown = True  # whether the page shows the views (if not, no frames are computed)
        self.probe = None  # the word whose attention is drawn
        self.run = None

    def follow(self, run, default_probe):
        """Watch this run from its current step on: its history starts here."""
        self.run = run
        config, vocab_size = run.model.config, run.model.tokenizer.vocab_size
        self.history = History(run.num_steps, num_params(config, vocab_size), run.steps_done)
        self.history.keep(run.steps_done, run.model.weights)
        self.at = None  # the kept step shown, or None for the latest
        self.axes = {"wte": None, "wpe": None}  # the last frame's, to keep the next one's orientation
        self.frames, self.health = [], []  # computed since the page last collected them
        self.inside_at = time.perf_counter()  # when a frame last held the attention
        self.framed_step = None  # the step of the last frame computed
        try:
            self.probe_ids = self._ids(self.probe)
        except MicrogptError:  # the last run's probe doesn't fit this one
            self.probe = default_probe
            self.probe_ids = self._ids(default_probe)
        if self.shown:
            self.frames.append(self.frame(run.model, run.steps_done))  # where it starts

    def measuring(self):
        """Whether the next step's health is to be measured (only for the views shown)."""
        return self.shown and (self.run.steps_done + 1) % health.EVERY == 0

    def after_step(self, result):
        if result.health is not None:
            self.health.append([result.step, *map(list, zip(*result.health))])  # [step, ratios, norms]
        self.history.keep(result.step, self.run.model.weights)
        if self.shown and (result.step % FRAME_EVERY == 0 or self.run.done):
            now = time.perf_counter()
            inside = self.run.done or now - self.inside_at >= INSIDE_EVERY_SECONDS
            if inside:
                self.inside_at = now
            self.frames.append(self.frame(self.run.model, result.step, inside))

    def after_chunk(self):
        """Keep the latest step, wherever training paused; the page shows it."""
        self.history.keep(self.run.steps_done, self.run.model.weights, latest=True)
        self.at = None

    def collect(self, latest=False):
        """The frames and health since the last collection, and the steps that can be gone back
        to; latest: and a frame of the step training paused at, if none shows it yet."""
        if latest and self.shown and self.framed_step != self.run.steps_done:
            self.frames.append(self.frame(self.run.model, self.run.steps_done))
        frames, records = self.frames, self.health
        self.frames, self.health = [], []
        return {"frames": frames, "health": records, "matrices": list(self.run.model.weights),
                "kept": self.history.steps, "every": self.history.every, "snapshot_bytes": self.history.nbytes,
                "snapshot_limit": MAX_BYTES}

    def watch(self, probe=None, shown=None):
        """Set the probe word and whether the views are shown; the frame of the step shown (None
        before there is a run: the probe is then checked when one comes, in follow)."""
        if shown is not None:
            self.shown = bool(shown)
        if self.run is None:
            self.probe = self.probe if probe is None else probe
            return None
        if probe is not None:
            self.probe_ids = self._ids(probe)
            self.probe = probe
        return self.frame(*self._model_at(self.at))

    def travel(self, step):
        """The model as it was at a kept step: its frame, and names sampled from it."""
        model, step = self._model_at(step)
        self.at = step
        rng = random.Random(TRAVEL_SEED)
        names = [sample_name(model, fast, TRAVEL_TEMPERATURE, rng) for _ in range(TRAVEL_NAMES)]
        return {"frame": self.frame(model, step), "names": names}

    def frame(self, model, step, inside=True):
        """What the views draw of the model: both embeddings in 2-D; with inside, also the
        probe's attention and the token embeddings themselves (for their neighbours)."""
        self.framed_step = step
        tokens = [*model.tokenizer.chars, "BOS"]
        frame = {"step": step, "tokens": tokens, "wte": self._projected("wte", model.weights),
                 "wpe": self._projected("wpe", model.weights)}
        if inside:
            frame.update(vectors=[row[:] for row in model.weights["wte"]], probe=self.probe,
                         probe_tokens=[tokens[i] for i in self.probe_ids],
                         attention=probe_attention(model, self.probe_ids))
        return frame

    def _projected(self, name, weights):
        rows = weights[name]
        axes, explained = principal_axes(rows, self.axes[name])
        self.axes[name] = axes
        return {"points": project(rows, axes), "explained": explained}

    def _model_at(self, step):
        model = self.run.model
        if step is None or step == self.run.steps_done:
            return model, self.run.steps_done
        if step not in self.history.snapshots:
            raise MicrogptError(f"step {step} is not kept: the kept steps are every {self.history.every}")
        shapes = param_shapes(model.config, model.tokenizer.vocab_size)
        return Model(model.config, model.tokenizer, self.history.weights_at(step, shapes)), step

    def _ids(self, word):
        """The probe's input tokens: BOS, then its characters, as training feeds a document."""
        if word is None:
            raise MicrogptError("there is no probe word")
        tokenizer, block_size = self.run.model.tokenizer, self.run.model.config.block_size
        unknown = tokenizer.unknown(word)
        if unknown:
            raise MicrogptError(f"the probe word has characters the model has no token for: {unknown!r}")
        if len(word) >= block_size:
            raise MicrogptError(f"the probe word must be shorter than the block size ({block_size})")
        return tokenizer.encode(word)[:-1]


def probe_attention(model, token_ids):
    """Each layer's and head's attention as the model reads token_ids: [layer][head][i][j],
    row i the weights position i gives positions 0..i (they sum to 1). The forward pass of
    training, all positions at once."""
    config = model.config
    _, cache = fast.forward(fast.gpt_weights(config, model.weights), config.n_head, token_ids)
    return [[[row[:i + 1] for i, row in enumerate(A)] for A in block.attention.weights] for block in cache.blocks]


def default_probe(docs, block_size):
    """The first document that fits the block size whole (with BOS before it): a name from the dataset."""
    return next((doc for doc in docs or () if len(doc) < block_size), "")
