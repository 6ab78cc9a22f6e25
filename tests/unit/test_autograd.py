import math
import sys

import pytest

from microgpt.autograd import Value


def numeric_grad(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# Each op as a function of one Value, and the same function on floats.
OPS = {
    "add": (lambda v: v + 1.5, lambda x: x + 1.5),
    "radd": (lambda v: 1.5 + v, lambda x: 1.5 + x),
    "add_self": (lambda v: v + v, lambda x: x + x),
    "sub": (lambda v: v - 0.3, lambda x: x - 0.3),
    "rsub": (lambda v: 0.3 - v, lambda x: 0.3 - x),
    "mul": (lambda v: v * -2.5, lambda x: x * -2.5),
    "mul_self": (lambda v: v * v, lambda x: x * x),
    "neg": (lambda v: -v, lambda x: -x),
    "div": (lambda v: v / 3.0, lambda x: x / 3.0),
    "rdiv": (lambda v: 3.0 / v, lambda x: 3.0 / x),
    "pow": (lambda v: v**3, lambda x: x**3),
    "pow_neg_half": (lambda v: v**-0.5, lambda x: x**-0.5),
    "log": (lambda v: v.log(), math.log),
    "exp": (lambda v: v.exp(), math.exp),
    "relu": (lambda v: v.relu(), lambda x: max(0.0, x)),
    "composite": (lambda v: (v * v + v.exp()).log() / (v + 2), lambda x: math.log(x * x + math.exp(x)) / (x + 2)),
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("x", [0.7, 1.9])
def test_gradient_of_each_op_matches_finite_differences(op, x):
    value_fn, float_fn = OPS[op]
    v = Value(x)
    out = value_fn(v)
    out.backward()
    assert out.data == pytest.approx(float_fn(x), rel=1e-12)
    assert v.grad == pytest.approx(numeric_grad(float_fn, x), rel=1e-6, abs=1e-9)


def test_relu_gradient_is_zero_below_zero():
    v = Value(-0.5)
    v.relu().backward()
    assert v.grad == 0


def test_gradient_flows_through_shared_nodes():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + c * a  # c and a are both used twice
    d.backward()
    assert (a.grad, b.grad) == (b.data + 2 * a.data * b.data, a.data + a.data**2)


def test_backward_of_a_graph_deeper_than_the_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(sys.getrecursionlimit() * 3):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
