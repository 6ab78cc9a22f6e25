"""The lesson: what the page's lesson shows of the name Look inside is stepping.

Every number here is computed from the Stepper's own loop (stepper.py): its turns, and the KV
cache the loop made. Around them the lesson runs the model again to show what the loop does
not do: the same positions recomputed from scratch, without a cache (the logits come out the
same; only the cost differs); the loop with its stopping condition taken away; the same
logits at other temperatures; and one training step's forward pass against forward plus
backward, timed.
"""
import math
import random
import time

from . import fast
from .engines import engine_name
from .model import num_params
from .sampler import filtered, new_name, probabilities, run
from .settings import DEFAULTS

TEMPERATURES = (0.25, 0.5, 1.0, 2.0)  # the same logits, side by side


class Lesson:
    """The lesson's view of one Stepper (one name, however it is stepped or branched)."""

    def __init__(self, stepper, trainer):
        self.stepper, self.trainer = stepper, trainer
        self.model = stepper.model
        self.gpt = stepper.engine.inference(self.model.config, self.model.weights)  # (for the runs from scratch)
        self.from_scratch = {}  # the inputs so far -> the last position's logits, run without a cache

    def show(self):
        """The lesson's numbers at the current turn (before the first: only the model's)."""
        stepper, shown = self.stepper, about(self.trainer)
        steps = stepper.steps
        if not steps:
            return shown
        inputs = [self.model.tokenizer.bos, *stepper.tokens[:len(steps) - 1]]  # each turn's input
        current = steps[-1]
        return {**shown, "turns": [self.turn(step, token) for step, token in zip(steps, inputs)],
                "kv": self.cache_vectors(), "scores": self.scores(inputs), "attention": current.attention,
                "costs": self.costs(inputs), "temperatures": temperature_table(current.logits),
                "choices": sampling_choices(probabilities(current.logits, stepper.temperature))}

    def turn(self, step, input_id):
        """A turn as the autoregressive and stopping sections show it: its input and what came
        out, and BOS's probability there (at the temperature it was drawn at)."""
        label = self.label
        return {"pos": step.pos, "input": label(input_id), "output": label(step.token_id),
                "bos_prob": step.probs[self.model.tokenizer.bos], "forced": step.forced}

    def label(self, token_id):
        return self.model.tokenizer.char(token_id) or "BOS"

    def cache_vectors(self):
        """Every cached key and value, per layer and position: the loop's own cache, as floats."""
        cache = self.stepper.cache
        return [{"layer": layer, "pos": pos, "kind": kind, "values": [getattr(x, "data", x) for x in vector]}
                for kind, by_layer in (("key", cache.keys), ("value", cache.values))
                for layer, vectors in enumerate(by_layer) for pos, vector in enumerate(vectors)]

    def scores(self, inputs):
        """The current position's query against each cached key: per layer and head, q . k / sqrt(head_dim)
        for every position so far; their softmax is the attention weights. (The query is not in the
        cache, so it is computed again here, by the fast engine, which computes the same floats.)"""
        config = self.model.config
        weights = fast.gpt_weights(config, self.model.weights)
        _, cache = fast.forward(weights, config.n_head, inputs)
        C, hd = config.n_embd, config.head_dim
        scale = (hd**0.5) ** -1  # as the model: x / hd**0.5 is x * (hd**0.5)**-1
        out = []
        for block, keys in zip(cache.blocks, self.stepper.cache.keys):
            query = block.attention.qkv[-1][:C]
            out.append([[sum(q * getattr(k, "data", k) for q, k in zip(query[hs:hs + hd], key[hs:hs + hd])) * scale
                         for key in keys] for hs in range(0, C, hd)])
        return out

    def costs(self, inputs):
        """At each position, the multiply-adds with the cache and without it (every position so far
        run again), and whether the logits from scratch are those the loop got with the cache."""
        rows, without = [], 0
        for step in self.stepper.steps:
            with_cache = multiply_adds(self.model.config, self.model.tokenizer.vocab_size, step.pos)
            without += with_cache
            rows.append({"pos": step.pos, "with": with_cache, "without": without,
                         "same_logits": self.logits_from_scratch(inputs[:step.pos + 1]) == step.logits})
        return rows

    def logits_from_scratch(self, inputs):
        """The last position's logits with no cache kept: every position run through the model again."""
        key = tuple(inputs)
        if key not in self.from_scratch:
            keys, values = [[] for _ in range(self.model.config.n_layer)], [[] for _ in range(self.model.config.n_layer)]
            for pos_id, token_id in enumerate(inputs):
                logits = self.gpt(token_id, pos_id, keys, values)
            self.from_scratch[key] = logits
        return self.from_scratch[key]


def about(trainer):
    """The model the lesson speaks of: its size, and how long it was trained."""
    config = trainer.model.config
    return {"num_params": num_params(config, trainer.model.tokenizer.vocab_size), "steps_trained": trainer.steps_done,
            "num_steps": trainer.num_steps, "engine": engine_name(trainer.engine), "n_embd": config.n_embd,
            "head_dim": config.head_dim, "tokens": [*trainer.model.tokenizer.chars, "BOS"]}


def multiply_adds(config, vocab_size, pos):
    """The multiply-adds the model does at position pos with a KV cache: per layer, the query, key
    and value projections (3 C x C), the query against pos + 1 keys and the weighted sum of as many
    values (C each, all heads together), the output projection (C x C) and the MLP (2 x 4C x C);
    then the logits (vocab x C). (RMSNorm's and softmax's few operations per number are left out.)"""
    C = config.n_embd
    per_layer = 3 * C * C + 2 * (pos + 1) * C + C * C + 8 * C * C
    return config.n_layer * per_layer + vocab_size * C


def temperature_table(logits):
    """The same logits at each of TEMPERATURES: the probabilities, and their entropy in bits (how
    spread out they are: 0 when one token is certain, log2(vocab) when all are equally likely)."""
    return [{"temperature": t, "probs": probs, "entropy": entropy(probs)}
            for t, probs in ((t, probabilities(logits, t)) for t in TEMPERATURES)]


def sampling_choices(probs):
    """What each way of drawing keeps of the same distribution (sampler.filtered, as the Generate
    card and the CLI draw), with top-k and top-p at their defaults."""
    return [{"sampling": sampling, "top_k": DEFAULTS["top_k"], "top_p": DEFAULTS["top_p"],
             "probs": filtered(probs, sampling, DEFAULTS["top_k"], DEFAULTS["top_p"])}
            for sampling in ("temperature", "greedy", "top-k", "top-p")]


def entropy(probs):
    return -sum(p * math.log2(p) for p in probs if p > 0)


class NeverBOS:
    """A random stream for the loop that never draws BOS (its weight is set to 0): nothing but the
    block size can end the name."""

    def __init__(self, bos, rng):
        self.bos, self.rng = bos, rng

    def choices(self, population, weights):
        weights = list(weights)
        weights[self.bos] = 0.0
        return self.rng.choices(population, weights=weights)


def run_on(model, engine, temperature, seed, prefix=""):
    """The loop with its stopping condition taken away: BOS is never drawn, so the name runs to the
    block size. Each turn: the token and the probability BOS had there (never taken)."""
    rng = NeverBOS(model.tokenizer.bos, random.Random(seed))
    turns, name = run(new_name(model, engine, temperature, rng, prefix))
    return {"name": name, "turns": [{"pos": turn.pos, "token": model.tokenizer.char(turn.token_id),
                                     "bos_prob": turn.probs[model.tokenizer.bos]} for turn in turns]}


def gradient_cost(trainer, doc, seconds=0.3):
    """One training step's forward pass alone against forward and backward, timed here on the
    document doc (the median of as many runs as fit in about `seconds` each, at least 3), with the
    model's engine. For the reference engine, also the graph's nodes: one Value for every number
    the forward pass computed, each of which backward() visits."""
    model, engine = trainer.model, trainer.engine
    tokens = model.tokenizer.encode(doc)
    forward = median_ms(lambda: engine.loss(model.config, model.weights, tokens), seconds)
    both = median_ms(lambda: engine.loss_and_grads(model.config, model.weights, tokens), seconds)
    cost = {"engine": engine_name(engine), "doc": doc, "forward_ms": forward, "backward_ms": both}
    loss = engine.loss(model.config, model.weights, tokens)
    if hasattr(loss, "graph"):
        cost["graph_nodes"] = len(loss.graph())
    return cost


def median_ms(work, seconds):
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < 3 or time.perf_counter() < deadline:
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]
