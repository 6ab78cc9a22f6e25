"""The GPT's shape: its config, its parameter matrices, and how they start out.

The weights are plain floats, a dict of matrices (lists of rows) by name. Both engines
(reference.py and fast.py) compute with the same weights, and the optimizer and the
checkpoint never need to know which engine is running.
"""
from dataclasses import asdict, dataclass

from .errors import MicrogptError
from .settings import DEFAULTS, MAX_PARAMS

INIT_STD = 0.08  # std of the Gaussian the weights start from


@dataclass(frozen=True)
class GPTConfig:
    n_embd: int = DEFAULTS["n_embd"]  # width of the residual stream (16)
    n_head: int = DEFAULTS["n_head"]  # attention heads (4); each sees n_embd // n_head dimensions
    n_layer: int = DEFAULTS["n_layer"]  # transformer blocks (1)
    block_size: int = DEFAULTS["block_size"]  # the longest context, and so the longest name (8)

    def __post_init__(self):
        for name, value in asdict(self).items():
            if type(value) is not int or value < 1:
                raise MicrogptError(f"{name} must be a positive whole number, got {value!r}")
        if self.n_embd % self.n_head:
            raise MicrogptError(
                f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")

    @property
    def head_dim(self):
        return self.n_embd // self.n_head


def param_shapes(config, vocab_size):
    """Every matrix as (rows, cols), in the order microgpt.py creates (and draws) them."""
    d = config.n_embd
    shapes = {"wte": (vocab_size, d), "wpe": (config.block_size, d), "lm_head": (vocab_size, d)}
    for i in range(config.n_layer):
        shapes[f"layer{i}.attn_wq"] = (d, d)
        shapes[f"layer{i}.attn_wk"] = (d, d)
        shapes[f"layer{i}.attn_wv"] = (d, d)
        shapes[f"layer{i}.attn_wo"] = (d, d)
        shapes[f"layer{i}.mlp_fc1"] = (4 * d, d)
        shapes[f"layer{i}.mlp_fc2"] = (d, 4 * d)
    return shapes


def init_weights(config, vocab_size, rng):
    """Gaussian weights, drawn row by row from rng in microgpt.py's order."""
    return {name: [[rng.gauss(0, INIT_STD) for _ in range(cols)] for _ in range(rows)]
            for name, (rows, cols) in param_shapes(config, vocab_size).items()}


def zeros_like(weights):
    return {name: [[0.0] * len(row) for row in rows] for name, rows in weights.items()}


def num_params(config, vocab_size):
    """The sum of param_shapes' sizes, without building them: per layer, 4 attention matrices
    of d x d and 2 MLP matrices of 4d x d."""
    d = config.n_embd
    return 2 * vocab_size * d + config.block_size * d + config.n_layer * 12 * d * d


def check_size(config, vocab_size):
    """Refuse a model too big to build, before anything of it is allocated."""
    n = num_params(config, vocab_size)
    if n > MAX_PARAMS:
        raise MicrogptError(f"a model of {n:,} parameters is too big (the limit is {MAX_PARAMS:,}); "
                            "use fewer layers, a narrower embedding or fewer characters")


@dataclass
class Model:
    """Everything needed to run the GPT: its shape, its vocabulary and its weights."""
    config: GPTConfig
    tokenizer: object  # dataset.Tokenizer
    weights: dict
