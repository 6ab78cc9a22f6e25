"""The generated kernels: exact, left to right, within their limits, and debuggable."""
import ast
import linecache
import random
import traceback

import pytest

from microgpt import kernels, reference
from microgpt.autograd import Value


def gauss_rows(rng, rows, n):
    return [[rng.gauss(0, 1) for _ in range(n)] for _ in range(rows)]


def test_a_traceback_through_a_kernel_shows_its_generated_line():
    dot = kernels.dot_kernel(3)
    with pytest.raises(TypeError) as info:
        dot([1.0, 2.0, None], [1.0, 1.0, 1.0])
    [frame] = [f for f in traceback.extract_tb(info.tb) if f.filename.startswith("<kernel")]
    assert frame.filename == "<kernel dot n=3>"
    assert frame.line == "s = a[0] * b[0] + a[1] * b[1] + a[2] * b[2]"
    linecache.checkcache()  # as traceback printing does: the source must survive it
    assert "<kernel dot n=3>" in "".join(traceback.format_exception(info.value))
    assert "a[2] * b[2]" in "".join(traceback.format_exception(info.value))


def test_every_kernel_is_named_for_its_shape():
    kernels.rmsnorm_kernels(16)
    kernels.causal_softmax_kernels(2, 5)
    kernels.fused_adam_kernel(4)
    for name in ("<kernel rmsnorm n=16>", "<kernel causal_softmax rows=2 n=5>",
                 "<kernel fused_adam n=4>"):
        assert linecache.getlines(name)[0].startswith("def ")


def source(function):
    """A kernel's generated source, as linecache holds it for tracebacks."""
    return "".join(linecache.getlines(function.__code__.co_filename))


def longest_sum(source):
    """The most terms any a + b + ... in source adds in one expression."""
    def terms(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return terms(node.left) + 1
        return 1
    return max([terms(node) for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)], default=0)


@pytest.mark.parametrize("kernel", [
    kernels.dot_kernel,
    kernels.dot_rows_kernel,
    kernels.softmax_kernel,
    lambda n: kernels.rmsnorm_kernels(n)[0],
    lambda n: kernels.causal_softmax_kernels(1, min(n, kernels.CAUSAL_SPAN))[0],
])
def test_no_kernel_adds_more_than_max_terms_in_one_expression(kernel):
    # Pyodide's compiler overflows its stack on sums of a few thousand terms.
    for n in (1, kernels.MAX_TERMS, kernels.MAX_TERMS + 1, 3 * kernels.MAX_TERMS + 5):
        assert longest_sum(source(kernel(n))) <= kernels.MAX_TERMS
    assert longest_sum(source(kernels.dot_kernel(200))) == kernels.MAX_TERMS  # chunks are full


def test_kernels_refuse_shapes_beyond_their_limits():
    with pytest.raises(AssertionError, match="one expression"):
        kernels.dot_table_kernel(kernels.MAX_TERMS + 1, 2)
    with pytest.raises(AssertionError, match="written out only up to"):
        kernels.causal_softmax_kernels(1, kernels.CAUSAL_SPAN + 1)


def test_long_kernels_add_left_to_right():
    rng = random.Random(5)
    for n in (1, 7, 64, 65, 200):
        a, b = gauss_rows(rng, 2, n)
        dot = 0.0
        for x, y in zip(a, b):
            dot += x * y
        k_dot, k_rows = kernels.dot_kernel(n), kernels.dot_rows_kernel(n)
        assert k_dot(a, b) == dot
        assert k_rows([a, b], b) == [dot, k_dot(b, b)]
        # dot_table takes vectors longer than TABLE_LENGTH row by row, and so runs no
        # table kernel it could not compile
        assert kernels.dot_table([a, b], [b, a]) == [[dot, k_dot(a, a)], [k_dot(b, b), dot]]
        # many b's: the table kernels take them a block at a time
        many = gauss_rows(rng, 300 // n + 3, n)
        assert kernels.dot_table([a, b], many) == [k_rows(many, a), k_rows(many, b)]


@pytest.mark.parametrize("n", [1, 5, 27, 64, 65, 150])
def test_softmax_is_the_value_softmax(n):
    logits = [random.Random(n).gauss(0, 3) for _ in range(n)]
    expected = [p.data for p in reference.softmax([Value(logit) for logit in logits])]
    assert kernels.softmax(logits) == expected


@pytest.mark.parametrize("n_rows, n", [(1, 1), (1, 6), (5, 5), (3, 9), (1, 40), (36, 36)])
def test_causal_softmax_is_the_value_softmax_row_by_row(n_rows, n):
    # (1, 40) and (36, 36) are past CAUSAL_SPAN: they go row by row
    rng = random.Random(n_rows * 100 + n)
    logits = gauss_rows(rng, n_rows, n)
    scale = (4**0.5) ** -1
    expected = []
    for i, row in enumerate(logits):
        seen = n - n_rows + i + 1
        probs = reference.softmax([Value(logit) * scale for logit in row[:seen]])
        expected.append([p.data for p in probs] + [0.0] * (n - seen))
    assert kernels.causal_softmax(logits, scale) == expected


@pytest.mark.parametrize("n", [4, 36])
def test_causal_softmax_backward_is_the_softmax_jacobian(n):
    rng = random.Random(n)
    scale = 0.5
    A = kernels.causal_softmax(gauss_rows(rng, n, n), scale)
    dA = gauss_rows(rng, n, n)
    for a, da, ds in zip(A, dA, kernels.causal_softmax_backward(A, dA, scale)):
        a_da = sum(x * y for x, y in zip(a, da))
        assert ds == pytest.approx([x * (y - a_da) * scale for x, y in zip(a, da)], abs=1e-15)


@pytest.mark.parametrize("n", [1, 16, 65, 130])
def test_rmsnorm_is_the_value_rmsnorm(n):
    X = gauss_rows(random.Random(n), 3, n)
    Y, scales = kernels.rmsnorm_kernels(n)[0](X)
    assert [list(y) for y in Y] == [[v.data for v in reference.rmsnorm([Value(x) for x in row])]
                                    for row in X]
    assert all(y == tuple(x_i * s for x_i in x) for x, y, s in zip(X, Y, scales))


def test_add_and_add_outer():
    A, B = [[1.0, 2.0], [3.0, 4.0]], [(0.5, 0.25), (1.0, -4.0)]
    assert kernels.add(A, B) == [(1.5, 2.25), (4.0, 0.0)]
    rows = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]
    kernels.add_outer_kernel(2)(rows, [0, 2], [2.0, -1.0], (3.0, 5.0))
    assert rows == [(6.0, 10.0), (1.0, 1.0), (-1.0, -3.0)]
