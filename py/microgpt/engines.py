"""The engines that can compute the GPT, by name.

An engine is a module with two functions over the same float weights, and the Adam that
trains them:
  loss_and_grads(config, weights, tokens) -> (loss, grads shaped like weights)
  decoder(config, weights) -> next_logits(token_id) -> logits, one sequence at a time
  Optimizer: optimizer.Adam or optimizer.FusedAdam
"""
from . import fast, reference
from .errors import MicrogptError

ENGINES = {"reference": reference, "fast": fast}
DEFAULT_ENGINE = "fast"


def get_engine(name):
    try:
        return ENGINES[name]
    except KeyError:
        raise MicrogptError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}") from None
