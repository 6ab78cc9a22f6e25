"""The engines that can compute the GPT, by name.

An engine is a module with two functions over the same float weights:
  loss_and_grads(config, weights, tokens) -> (loss, grads shaped like weights)
  decoder(config, weights) -> next_logits(token_id) -> logits, one sequence at a time
"""
from . import reference
from .errors import MicrogptError

ENGINES = {"reference": reference}
DEFAULT_ENGINE = "reference"


def get_engine(name):
    try:
        return ENGINES[name]
    except KeyError:
        raise MicrogptError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}") from None
