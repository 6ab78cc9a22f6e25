"""A lab edit as one Python file that runs anywhere: `python3 file.py` prints its names.

The file holds the model's code (microgpt.py's gpt, on plain floats), the trained weights (as
JSON), the edited loop as the learner wrote it, and a main() that writes the names the lab
wrote, one per line. It needs nothing but Python's standard library.

Exactness: the gpt below does the float operations of the reference engine (a Value's x / y is
x * y**-1; sums run left to right from 0), so its logits, and so its names, are the package's.
sum() is not used for floats: since Python 3.12 it rounds differently (compensated summation).
"""
import inspect
import json

from . import lab

IMPORTS = '''\
import json
import math
import random
import types
from collections import namedtuple
from types import SimpleNamespace
'''

MODEL_CODE = '''\
Turn = namedtuple("Turn", "pos logits probs token_id")


def total(xs):
    """Left to right from 0, as the package adds (sum() of floats rounds otherwise since 3.12)."""
    t = 0
    for x in xs:
        t = t + x
    return t


def softmax(logits):
    max_val = max(logits)  # subtracted for numerical safety only
    exps = [math.exp(logit - max_val) for logit in logits]
    inv_total = total(exps) ** -1
    return [e * inv_total for e in exps]


def linear(x, w):
    return [total(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def rmsnorm(x):
    ms = total(xi * xi for xi in x) * len(x) ** -1
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(token_id, pos_id, keys, values):
    """The model at one position: the logits of the next token; this position joins the KV cache."""
    config, w = model.config, model.weights
    head_dim = config.n_embd // config.n_head
    x = rmsnorm([t + p for t, p in zip(w["wte"][token_id], w["wpe"][pos_id])])
    for li in range(config.n_layer):
        x_residual = x  # 1) multi-head attention over the cached keys and values
        x = rmsnorm(x)
        q = linear(x, w[f"layer{li}.attn_wq"])
        keys[li].append(linear(x, w[f"layer{li}.attn_wk"]))
        values[li].append(linear(x, w[f"layer{li}.attn_wv"]))
        x_attn = []
        for hs in range(0, config.n_embd, head_dim):
            q_h = q[hs:hs + head_dim]
            scores = [total(q_h[j] * k[hs + j] for j in range(head_dim)) * (head_dim ** 0.5) ** -1 for k in keys[li]]
            weights = softmax(scores)
            x_attn.extend(total(weights[t] * v[hs + j] for t, v in enumerate(values[li])) for j in range(head_dim))
        x = [a + b for a, b in zip(linear(x_attn, w[f"layer{li}.attn_wo"]), x_residual)]
        x_residual = x  # 2) MLP: widen 4x, ReLU, narrow back
        x = [max(0, xi) for xi in linear(rmsnorm(x), w[f"layer{li}.mlp_fc1"])]
        x = [a + b for a, b in zip(linear(x, w[f"layer{li}.mlp_fc2"]), x_residual)]
    return linear(x, w["lm_head"])


class Tokenizer:
    def __init__(self, chars):
        self.chars, self.bos, self.vocab_size = chars, len(chars), len(chars) + 1

    def decode(self, token_ids):
        return "".join(self.chars[i] for i in token_ids)


model = SimpleNamespace(config=SimpleNamespace(**MODEL["config"]), tokenizer=Tokenizer(MODEL["chars"]),
                        weights=MODEL["weights"])
'''

MAIN = '''

def main():
    rng = random.Random(SEED)
    for _ in range(SAMPLES):
        print(name_of(sample(gpt, model, TEMPERATURE, rng)))


if __name__ == "__main__":
    main()
'''


def script(source, model, samples, temperature, seed):
    """The file's text: the edit (source) on this model, writing `samples` names at this
    temperature from random.Random(seed)."""
    config = model.config
    weights = {"config": {"n_embd": config.n_embd, "n_head": config.n_head, "n_layer": config.n_layer,
                          "block_size": config.block_size},
               "chars": "".join(model.tokenizer.chars), "weights": model.weights}
    header = (f'"""A generation loop edited in microgpt\'s lab, with the model it ran on.\n\n'
              f"    python3 {{this file}}\n\n"
              f"prints {samples} names, one per line, sampled at temperature {temperature!r} from\n"
              f"random.Random({seed!r}): the names the lab wrote. It needs only Python's standard library.\n"
              f'"""\n')
    settings = f"SAMPLES, TEMPERATURE, SEED = {samples!r}, {temperature!r}, {seed!r}\n"
    # The weights as one JSON string literal (repr() makes any text a valid literal).
    data = f"MODEL = json.loads({json.dumps(weights, separators=(',', ':'))!r})\n"
    return (header + IMPORTS + "\n" + settings + data + "\n\n" + MODEL_CODE
            + "\n\n" + inspect.getsource(lab.name_of)  # (what the lab makes of what the loop returns)
            + "\n\n# ---- the loop, as edited in the lab ----\n\n" + source.rstrip("\n") + "\n" + MAIN)
