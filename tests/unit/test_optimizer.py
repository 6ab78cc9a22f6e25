import copy
import random

import pytest

from microgpt.optimizer import Adam, AdamConfig, FusedAdam


def plain_adam_step(weights, grads, m, v, step, num_steps, c=AdamConfig()):
    """Adam as microgpt.py writes it: the definition Adam.step must match bit for bit."""
    lr_t = c.lr * (1 - step / num_steps)
    for name, rows in weights.items():
        for w_row, g_row, m_row, v_row in zip(rows, grads[name], m[name], v[name]):
            for j, g in enumerate(g_row):
                m_row[j] = c.beta1 * m_row[j] + (1 - c.beta1) * g
                v_row[j] = c.beta2 * v_row[j] + (1 - c.beta2) * g**2
                m_hat = m_row[j] / (1 - c.beta1 ** (step + 1))
                v_hat = v_row[j] / (1 - c.beta2 ** (step + 1))
                w_row[j] -= lr_t * m_hat / (v_hat**0.5 + c.eps)


SHAPES = {"a": (3, 1), "b": (2, 5), "c": (4, 16), "d": (2, 64), "e": (1, 130)}


def run_against_the_plain_loop(optimizer_class, check):
    """Twelve steps of optimizer_class and of plain_adam_step on the same random gradients."""
    rng = random.Random(0)
    weights = {name: [[rng.gauss(0, 0.08) for _ in range(cols)] for _ in range(rows)]
               for name, (rows, cols) in SHAPES.items()}
    expected = copy.deepcopy(weights)
    adam = optimizer_class(weights)
    rows_before = [row for rows in weights.values() for row in rows]
    m, v = copy.deepcopy(adam.m), copy.deepcopy(adam.v)
    for step in range(12):
        # gradients of every size, exact zeros included
        grads = {name: [[rng.choice([0.0, rng.gauss(0, 10.0 ** rng.randint(-9, 1))])
                         for _ in range(cols)] for _ in range(rows)]
                 for name, (rows, cols) in SHAPES.items()}
        adam.step(grads, step, 12)
        plain_adam_step(expected, grads, m, v, step, 12)
        check((weights, adam.m, adam.v), (expected, m, v))
    rows_after = [row for rows in weights.values() for row in rows]
    assert all(before is after for before, after in zip(rows_before, rows_after))


def test_step_is_bitwise_the_plain_loop_and_updates_in_place():
    def bitwise(actual, expected):
        assert actual == expected
    run_against_the_plain_loop(Adam, bitwise)


def test_fused_step_is_the_plain_loop_to_rounding_and_updates_in_place():
    def close(actual, expected):
        for got, want in zip(actual, expected):
            for name in want:
                for got_row, want_row in zip(got[name], want[name], strict=True):
                    # v to rounding; w moves by at most lr per step: off by ulps of lr
                    assert got_row == pytest.approx(want_row, rel=1e-14, abs=1e-17), name
    run_against_the_plain_loop(FusedAdam, close)
