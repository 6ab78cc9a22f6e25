"""Checkpoints: a whole training run as one versioned JSON file.

The file holds the config, the vocabulary, the weights by name, and the training state
(step, Adam's moments, the seed and the random stream), so a run can be sampled from or
resumed anywhere: in the browser or on the command line.
"""
import json
import random
from dataclasses import dataclass

from .dataset import Tokenizer
from .errors import MicrogptError
from .model import GPTConfig, Model, check_weights

FORMAT = "microgpt-checkpoint"
VERSION = 1


@dataclass
class Checkpoint:
    model: Model
    step: int  # training steps done
    num_steps: int  # the run's length, which sets the learning-rate decay
    seed: int
    adam_m: dict
    adam_v: dict
    rng_state: tuple  # random.Random.getstate(): where sampling continues from


def to_json(ckpt):
    model = ckpt.model
    version, internal, gauss_next = ckpt.rng_state
    return json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "config": vars(model.config),
        "vocab": list(model.tokenizer.chars),
        "weights": model.weights,
        "train": {
            "step": ckpt.step,
            "num_steps": ckpt.num_steps,
            "seed": ckpt.seed,
            "adam": {"m": ckpt.adam_m, "v": ckpt.adam_v},
            "rng_state": [version, list(internal), gauss_next],
        },
    }, allow_nan=False)


def from_json(text):
    """Parse and check a checkpoint; anything off raises MicrogptError with the reason."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as e:
        raise MicrogptError(f"checkpoint is not valid JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MicrogptError(f"not a microgpt checkpoint (expected format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise MicrogptError(f"checkpoint version {data.get('version')!r} is not supported "
                            f"(this microgpt reads version {VERSION})")
    try:
        return _checkpoint(data)
    except (KeyError, TypeError, AttributeError) as e:
        raise MicrogptError(f"checkpoint is missing or garbles a field ({e})") from None


def _reject_constant(name):
    raise MicrogptError(f"checkpoint holds {name}, not a finite number")


def _checkpoint(data):
    config = GPTConfig(**data["config"])
    vocab = data["vocab"]
    if (not isinstance(vocab, list) or not vocab or vocab != sorted(set(vocab))
            or any(not isinstance(ch, str) or len(ch) != 1 for ch in vocab)):
        raise MicrogptError("checkpoint vocab must be a sorted list of distinct characters")
    tokenizer = Tokenizer(tuple(vocab))
    train = data["train"]
    weights = _matrices(data["weights"], config, tokenizer, "weights")
    adam_m = _matrices(train["adam"]["m"], config, tokenizer, "adam.m")
    adam_v = _matrices(train["adam"]["v"], config, tokenizer, "adam.v")
    if any(x < 0 for rows in adam_v.values() for row in rows for x in row):
        raise MicrogptError("checkpoint adam.v holds a negative number (it is a mean of squares)")
    step, num_steps, seed = train["step"], train["num_steps"], train["seed"]
    if any(type(n) is not int for n in (step, num_steps, seed)) or not 0 <= step <= num_steps:
        raise MicrogptError("checkpoint step, num_steps and seed must be whole numbers, "
                            "with 0 <= step <= num_steps")
    return Checkpoint(Model(config, tokenizer, weights), step, num_steps, seed,
                      adam_m, adam_v, _rng_state(train["rng_state"]))


def _matrices(weights, config, tokenizer, what):
    check_weights(weights, config, tokenizer.vocab_size, what)
    return {name: [[float(x) for x in row] for row in rows] for name, rows in weights.items()}


def _rng_state(state):
    try:
        version, internal, gauss_next = state
        state = (version, tuple(internal), gauss_next)
        random.Random().setstate(state)  # only to check it
    except (TypeError, ValueError):
        raise MicrogptError("checkpoint rng_state is not a random-generator state") from None
    return state


def save(ckpt, path):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(to_json(ckpt))
    except OSError as e:
        raise MicrogptError(f"cannot write checkpoint {path}: {e.strerror}") from None


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise MicrogptError(f"cannot read checkpoint {path}: {getattr(e, 'strerror', None) or e}") from None
    return from_json(text)
