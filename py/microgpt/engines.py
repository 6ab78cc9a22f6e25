"""The engines that can compute the GPT, by name.

An engine is a module with two functions over the same float weights, and the Adam that
trains them:
  loss_and_grads(config, weights, tokens) -> (loss, grads shaped like weights)
  loss(config, weights, tokens) -> the loss, by the forward pass alone (the reference engine's
    is a Value: the graph backward() would walk)
  inference(config, weights) -> gpt(token_id, pos_id, keys, values, attention=None) -> logits:
    microgpt.py's gpt() for the generation loop (sampler.sample), the position joining the
    KV cache keys and values (a list per layer); attention, if a list, gets each layer's
    attention weights [layer][head][position]
  Optimizer: optimizer.Adam or optimizer.FusedAdam
"""
from . import fast, reference
from .settings import check

ENGINES = {"reference": reference, "fast": fast}  # the default is in settings.py


def get_engine(name):
    return ENGINES[check("engine", name)]


def engine_name(engine):
    return next(name for name, module in ENGINES.items() if module is engine)
