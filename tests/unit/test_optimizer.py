import copy
import random

from microgpt.optimizer import Adam, AdamConfig


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


def test_step_is_bitwise_the_plain_loop_and_updates_in_place():
    rng = random.Random(0)
    shapes = {"a": (3, 1), "b": (2, 5), "c": (4, 16), "d": (2, 64), "e": (1, 130)}
    weights = {name: [[rng.gauss(0, 0.08) for _ in range(cols)] for _ in range(rows)]
               for name, (rows, cols) in shapes.items()}
    expected = copy.deepcopy(weights)
    adam = Adam(weights)
    rows_before = [row for rows in weights.values() for row in rows]
    m, v = copy.deepcopy(adam.m), copy.deepcopy(adam.v)
    for step in range(12):
        # gradients of every size, exact zeros included
        grads = {name: [[rng.choice([0.0, rng.gauss(0, 10.0 ** rng.randint(-9, 1))])
                         for _ in range(cols)] for _ in range(rows)]
                 for name, (rows, cols) in shapes.items()}
        adam.step(grads, step, 12)
        plain_adam_step(expected, grads, m, v, step, 12)
        assert (weights, adam.m, adam.v) == (expected, m, v)
    rows_after = [row for rows in weights.values() for row in rows]
    assert all(before is after for before, after in zip(rows_before, rows_after))
