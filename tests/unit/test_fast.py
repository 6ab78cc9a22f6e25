"""The fast engine computes what the reference engine computes.

The forward pass (losses, logits) is bit for bit the reference's; gradients agree to
rounding. Speed is measured by `python3 build.py bench` (tools/bench.py), never here.
"""
import copy
import gc
import random
import sys

import pytest

from microgpt import GPTConfig, Tokenizer, Trainer, fast, load_docs, reference, sample_name
from microgpt.autograd import Value
from microgpt.model import init_weights

from helpers import DATA, REFERENCE_RUNS, ROOT, cli_args, run_cli

NAMES = ROOT / "data" / "names.txt"
# The reference engine's per-step losses (repr, one per line) and its 20 names after
# training on data/names.txt with the default settings (GPTConfig(), 500 steps, seed 42,
# temperature 0.5), as the CLI runs it. Made by `PYTHONPATH=py python3 tests/unit/test_fast.py`,
# which takes the reference engine a few minutes.
NAMES_LOSSES = DATA / "names-default-500steps.losses"
NAMES_SAMPLES = DATA / "names-default-500steps.names"

CITIES = (DATA / "cities.txt").read_text(encoding="utf-8").split("\n")
CITIES = [city for city in CITIES if city]
CITY_TOKENIZER = Tokenizer.from_docs(CITIES)  # a non-ASCII vocabulary


@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_reference_run_is_reproduced_by_the_fast_engine(capsys, run):
    code, out, err = run_cli(capsys, cli_args(run, engine="fast"))
    assert (code, err) == (0, "")
    assert out == (DATA / f"{run}.out").read_text(encoding="utf-8")


def train_names(engine, steps=500):
    trainer = Trainer.new(load_docs(NAMES), GPTConfig(), num_steps=steps, seed=42, engine=engine)
    losses = [trainer.step().loss for _ in range(steps)]
    names = [sample_name(trainer.model, trainer.engine, 0.5, trainer.rng) for _ in range(20)]
    return losses, names


@pytest.mark.skipif(not NAMES.exists(), reason="data/names.txt is not there yet")
def test_names_training_follows_the_reference_for_500_steps():
    losses, names = train_names("fast")
    expected = [float(line) for line in NAMES_LOSSES.read_text().split()]
    assert len(losses) == len(expected) == 500
    assert max(abs(a - b) for a, b in zip(losses, expected)) < 1e-9
    assert names == NAMES_SAMPLES.read_text(encoding="utf-8").split("\n")[:-1]


def long_doc(rng, length):
    """Cities joined by spaces until at least length characters."""
    doc = rng.choice(CITIES)
    while len(doc) < length:
        doc += " " + rng.choice(CITIES)
    return doc


# (n_embd, n_head, n_layer, block_size, document length): heads of 1 to 6 dimensions,
# kernels both table-shaped and row-shaped, sums longer than one compiled expression
# (4 * 24 = 96 terms), and documents shorter and longer than block_size.
GRAD_CASES = [
    (4, 1, 1, 4, 10),
    (8, 2, 2, 6, 3),
    (16, 4, 1, 8, 8),
    (16, 8, 3, 5, 11),
    (8, 8, 1, 32, 40),
    (24, 8, 2, 12, 7),
    (12, 4, 3, 16, 16),
    (6, 1, 2, 32, 20),
    (4, 2, 1, 40, 45),  # attention spans past the longest written-out softmax
]


@pytest.mark.parametrize("n_embd, n_head, n_layer, block_size, doc_length", GRAD_CASES)
def test_gradients_match_the_reference(n_embd, n_head, n_layer, block_size, doc_length):
    rng = random.Random(n_embd * 1000 + block_size)
    config = GPTConfig(n_embd, n_head, n_layer, block_size)
    weights = init_weights(config, CITY_TOKENIZER.vocab_size, rng)
    tokens = CITY_TOKENIZER.encode(long_doc(rng, doc_length))
    expected_loss, expected = reference.loss_and_grads(config, weights, tokens)
    loss, grads = fast.loss_and_grads(config, weights, tokens)
    assert loss == expected_loss  # the forward pass is bit for bit the reference's
    assert list(grads) == list(expected)
    for name, rows in expected.items():
        assert [len(row) for row in grads[name]] == [len(row) for row in rows], name
        for row, expected_row in zip(grads[name], rows):
            for g, e in zip(row, expected_row):
                assert abs(g - e) <= 1e-10 * max(1.0, abs(e)), name


def empty_cache(config):
    return [[] for _ in range(config.n_layer)], [[] for _ in range(config.n_layer)]


def test_inference_logits_equal_the_reference():
    rng = random.Random(3)
    config = GPTConfig(n_embd=12, n_head=3, n_layer=2, block_size=10)
    weights = init_weights(config, CITY_TOKENIZER.vocab_size, rng)
    tokens = CITY_TOKENIZER.encode(long_doc(rng, 12))[:config.block_size]
    expected, actual = reference.inference(config, weights), fast.inference(config, weights)
    (ref_keys, ref_values), (keys, values) = empty_cache(config), empty_cache(config)
    for pos_id, token in enumerate(tokens):
        want, got = expected(token, pos_id, ref_keys, ref_values), actual(token, pos_id, keys, values)
        assert len(got) == CITY_TOKENIZER.vocab_size
        assert max(abs(a - b) for a, b in zip(got, want)) <= 1e-12
        assert got == want  # and in fact bit for bit
        # The KV cache: per layer, each position's key and value, all heads side by side, as microgpt.py's.
        assert [len(layer) for layer in keys] == [pos_id + 1] * config.n_layer
        for layer, ref_layer in zip(keys + values, ref_keys + ref_values):
            assert [list(v) for v in layer] == [[x.data for x in v] for v in ref_layer]


def test_inference_keeps_the_weights_it_was_given():
    rng = random.Random(4)
    config = GPTConfig(n_embd=8, n_head=2, block_size=4)
    weights = init_weights(config, CITY_TOKENIZER.vocab_size, rng)
    original = copy.deepcopy(weights)
    gpt, cache = fast.inference(config, weights), empty_cache(config)
    gpt(0, 0, *cache)
    for row in weights["lm_head"]:  # training goes on meanwhile
        row[:] = [x + 1.0 for x in row]
    untouched, untouched_cache = fast.inference(config, original), empty_cache(config)
    untouched(0, 0, *untouched_cache)
    assert gpt(1, 1, *cache) == untouched(1, 1, *untouched_cache)


@pytest.mark.parametrize("T, n_head", [(10, 4), (40, 2)])  # 40: past the written-out softmax
def test_attention_one_position_at_a_time_is_all_at_once(T, n_head):
    # The generation loop's way (a KV cache, one query at a time) and training's give the same floats.
    rng = random.Random(T)
    C = 4 * n_head
    qkv = [[rng.gauss(0, 1) for _ in range(3 * C)] for _ in range(T)]
    out, cache = fast.attention_forward(qkv, n_head, [], [])
    keys, values = [], []
    assert [fast.attention_forward([row], n_head, keys, values)[0][0] for row in qkv] == out
    assert [len(A) for A in cache.weights] == [T] * n_head
    assert keys == [row[C:2 * C] for row in qkv] and values == [row[2 * C:] for row in qkv]


def test_rmsnorm_backward_is_the_gradient_through_rmsnorm_alone():
    rng = random.Random(7)
    X = [[rng.gauss(0, 1) for _ in range(6)] for _ in range(3)]
    dY = [[rng.gauss(0, 1) for _ in range(6)] for _ in range(3)]
    x_values = [[Value(x) for x in row] for row in X]
    loss = sum((d * y for row, drow in zip(x_values, dY)
                for d, y in zip(drow, reference.rmsnorm(row))), Value(0.0))
    loss.backward()
    Y, cache = fast.rmsnorm_forward(X)
    assert [list(y) for y in Y] == [[y.data for y in reference.rmsnorm(row)] for row in x_values]
    for got, row in zip(fast.rmsnorm_backward(dY, cache), x_values):
        assert got == pytest.approx([x.grad for x in row], rel=1e-12, abs=1e-15)


def relu(H):
    return [[h if h > 0.0 else 0.0 for h in row] for row in H]


def test_mlp_skips_exactly_the_relu_zeros():
    rng = random.Random(6)
    d = 4
    W1 = [[rng.gauss(0, 1) for _ in range(d)] for _ in range(4 * d)]
    W2 = [[rng.gauss(0, 1) for _ in range(4 * d)] for _ in range(d)]
    for row in W1:  # only hidden unit 3 responds to x[0] > 0
        row[0] = -abs(row[0])
    W1[3][0] = 1.0
    X = [[0.0] * d,  # no hidden unit active
         [1.0, 0.0, 0.0, 0.0],  # exactly one
         [rng.gauss(0, 1) for _ in range(d)]]  # about half
    Y, cache = fast.mlp_forward(X, W1, fast.transpose(W2))
    assert [len(act) for act in cache.active][:2] == [0, 1]
    H, fc1 = fast.linear_forward(X, W1)
    dense, fc2 = fast.linear_forward(relu(H), W2)
    assert Y == dense
    dY = [[rng.gauss(0, 1) for _ in range(d)] for _ in X]
    dX, dW1, dW2T = fast.mlp_backward(dY, cache)
    dW2 = fast.transpose(dW2T)
    dR, dense_dW2 = fast.linear_backward(dY, fc2)
    dH = [[g if h > 0 else 0.0 for g, h in zip(dr, hr)] for dr, hr in zip(dR, H)]
    dense_dX, dense_dW1 = fast.linear_backward(dH, fc1)
    for got, want in ((dX, dense_dX), (dW1, dense_dW1), (dW2, dense_dW2)):
        assert [len(row) for row in got] == [len(row) for row in want]
        assert all(abs(a - b) < 1e-12 for ra, rb in zip(got, want) for a, b in zip(ra, rb))


def test_memory_stays_flat_across_steps():
    trainer = Trainer.new(CITIES, GPTConfig(n_embd=8, n_head=2, block_size=12), num_steps=10**6,
                      seed=1, engine="fast")
    for _ in range(50):  # compiles and caches the kernels for every length in the data
        trainer.step()
    # Memory blocks in use, counted by Python's allocator: one list or float kept per
    # step would add 300. (tracemalloc would be 40x slower, and it counts each weight
    # that Adam replaces as new memory until all of them have been replaced once.)
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(300):
        trainer.step()
    gc.collect()
    assert sys.getallocatedblocks() - before < 100


def make_fixtures():
    """Write NAMES_LOSSES and NAMES_SAMPLES from the reference engine."""
    losses, names = train_names("reference")
    NAMES_LOSSES.write_text("".join(f"{loss!r}\n" for loss in losses))
    NAMES_SAMPLES.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")


if __name__ == "__main__":
    make_fixtures()
