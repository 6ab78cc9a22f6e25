"""The engines that can compute the GPT, by name.

An engine is a module with two functions over the same float weights, and the Adam that
trains them:
  loss_and_grads(config, weights, tokens) -> (loss, grads shaped like weights)
  decoder(config, weights, trace=None) -> next_logits(token_id) -> logits, one sequence at a
    time; trace, if a list, gets each position's attention weights [layer][head][position]
  Optimizer: optimizer.Adam or optimizer.FusedAdam
"""
from . import fast, reference
from .settings import check

ENGINES = {"reference": reference, "fast": fast}  # the default is in settings.py


def get_engine(name):
    return ENGINES[check("engine", name)]
