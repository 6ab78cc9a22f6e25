"""Adam, with the learning rate decaying linearly to zero over the run."""
from dataclasses import dataclass
from functools import cache

from .model import zeros_like


@dataclass(frozen=True)
class AdamConfig:
    lr: float = 0.01
    beta1: float = 0.85
    beta2: float = 0.99
    eps: float = 1e-8


class Adam:
    def __init__(self, weights, config=AdamConfig(), m=None, v=None):
        self.weights = weights
        self.config = config
        self.m = m if m is not None else zeros_like(weights)  # running mean of gradients
        self.v = v if v is not None else zeros_like(weights)  # running mean of squared gradients

    def step(self, grads, step, num_steps):
        """Update the weights in place for step (0-based) of num_steps."""
        c = self.config
        lr_t = c.lr * (1 - step / num_steps)
        # The moments start at zero; dividing by (1 - beta**t) undoes that bias.
        m_correction = 1 - c.beta1 ** (step + 1)
        v_correction = 1 - c.beta2 ** (step + 1)
        constants = (c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2,
                     lr_t, m_correction, v_correction, c.eps)
        for name, rows in self.weights.items():
            update = matrix_updater(len(rows[0]))
            update(rows, grads[name], self.m[name], self.v[name], *constants)


@cache
def matrix_updater(n):
    """Adam's update, in place, of a matrix whose rows hold n weights. For each weight it
    computes

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        w -= lr_t * (m / m_correction) / ((v / v_correction)**0.5 + eps)

    written out for the n weights of a row rather than looped over: this runs once per
    weight per step, and straight-line code is about 25% faster, in CPython and in Pyodide.
    The float operations are exactly the loop's (tests/unit/test_optimizer.py checks it bit
    for bit). g**2 and **0.5 stay as they are: pow() can differ from g * g and math.sqrt in
    the last bit.
    """
    def names(prefix):
        return ", ".join(f"{prefix}{j}" for j in range(n)) + ","
    lines = [
        "def update(W, G, M, V, beta1, one_minus_beta1, beta2, one_minus_beta2, lr_t,"
        " m_correction, v_correction, eps):",
        "    for w, g, m, v in zip(W, G, M, V):",
        f"        {names('g')} = g",
        f"        {names('m')} = m",
        f"        {names('v')} = v",
        f"        {names('w')} = w",
    ]
    for j in range(n):
        lines.append(f"        m{j} = beta1 * m{j} + one_minus_beta1 * g{j}")
        lines.append(f"        v{j} = beta2 * v{j} + one_minus_beta2 * g{j}**2")
    lines.append(f"        m[:] = ({names('m')})")
    lines.append(f"        v[:] = ({names('v')})")
    steps = ", ".join(f"w{j} - lr_t * (m{j} / m_correction) / ((v{j} / v_correction)**0.5 + eps)"
                      for j in range(n))
    lines.append(f"        w[:] = ({steps},)")
    namespace = {}
    exec("\n".join(lines), namespace)
    return namespace["update"]
