"""Every setting a person can choose, with its default and its limits, in one table.

The command line's flags and the page's form and URL are both made from this table
(build.py writes it into the site as settings-table.js), so a default or a limit is
changed here and nowhere else.
"""
from dataclasses import dataclass

from .errors import MicrogptError


@dataclass(frozen=True)
class Setting:
    kind: type  # int, float or str
    default: object  # None: no value unless one is given
    label: str  # what a person calls it, for messages and forms
    minimum: object = None
    maximum: object = None  # for a str: the longest
    choices: tuple = ()  # for a str: the values allowed, if only some are


SETTINGS = {
    # Training
    "steps": Setting(int, 500, "training steps", 1, 20000),
    "seed": Setting(int, 42, "training seed", 0, 2**31 - 1),
    "engine": Setting(str, "fast", "engine", choices=("fast", "reference")),
    # The model's shape
    "n_embd": Setting(int, 16, "embedding width", 1, 64),
    "n_head": Setting(int, 4, "heads", 1, 16),
    "n_layer": Setting(int, 1, "layers", 1, 4),
    "block_size": Setting(int, 8, "block size", 1, 32),
    # Sampling
    "temperature": Setting(float, 0.5, "temperature", 0.01, 5.0),
    "samples": Setting(int, 20, "number of names", 0, 200),
    "sample_seed": Setting(int, None, "sampling seed", 0, 2**31 - 1),
    "prefix": Setting(str, "", "prefix", maximum=32),  # what every name starts with
    # What is drawn from (sampler.filtered): all tokens, the most likely, the k most likely, or
    # the most likely that make up probability p; temperature applies in every mode.
    "sampling": Setting(str, "temperature", "sampling mode", choices=("temperature", "greedy", "top-k", "top-p")),
    "top_k": Setting(int, 5, "top-k's k", 1, 500),
    "top_p": Setting(float, 0.9, "top-p's p", 0.01, 1.0),
}

DEFAULTS = {name: setting.default for name, setting in SETTINGS.items()}


def check(name, value):
    """value, if it is a valid value of the setting called name; else MicrogptError saying why."""
    setting = SETTINGS[name]
    if value is None and setting.default is None:
        return value
    if setting.choices:
        if value not in setting.choices:
            raise MicrogptError(f"{name} must be one of {', '.join(setting.choices)}, got {value!r}")
        return value
    if setting.kind is str:
        if type(value) is not str or len(value) > setting.maximum:
            raise MicrogptError(f"{name} must be text of at most {setting.maximum} characters")
        return value
    # bool is an int to Python, but True is not a number of steps; an int is a fine float.
    allowed = (int,) if setting.kind is int else (int, float)
    if type(value) not in allowed or not setting.minimum <= value <= setting.maximum:
        what = "a whole number" if setting.kind is int else "a number"
        raise MicrogptError(f"{name} must be {what} from {setting.minimum} to "
                            f"{setting.maximum}, got {value!r}")
    return value


def check_all(**values):
    """The values, each checked with check(); model shapes are checked by GPTConfig."""
    return {name: check(name, value) for name, value in values.items()}


# The most the CLI and the page will read or build, checked before anything is allocated.
# The largest model the page allows (n_embd 64, 4 layers, block size 32) has about 0.2 million
# parameters plus 128 per character of the vocabulary, and a checkpoint of it (its weights
# and Adam's two moments) takes about 15 MB at the largest vocabulary. The biggest built-in
# dataset, words.txt, is 2.8 MB in 274,137 lines; cities.txt has 347 characters.
MAX_DATA_BYTES = 5 * 2**20  # a dataset file
MAX_DOCS = 300_000  # documents (lines) in a dataset
MAX_VOCAB_CHARS = 500  # distinct characters in a dataset
MAX_CHECKPOINT_BYTES = 64 * 2**20  # a checkpoint file
MAX_PARAMS = 1_000_000  # the parameters a config and vocabulary imply
MAX_MAGNITUDE = 1e9  # any number in a checkpoint: weights stay near 1, Adam's moments too
