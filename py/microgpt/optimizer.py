"""Adam, with the learning rate decaying linearly to zero over the run.

Two ways to compute the same update, one per engine:
- Adam does microgpt.py's float operations in microgpt.py's order, so the reference engine
  reproduces microgpt.py bit for bit.
- FusedAdam folds the two bias corrections into the step size and epsilon, as the Adam
  paper suggests (Kingma & Ba 2015, end of section 2), and squares with a multiplication:
  12 float operations per weight instead of 14, and one pow() instead of two. The values are
  the same up to rounding in the last bits, about as far apart as the fast engine's
  gradients already are from the reference's.
Both keep the same moments m and v, so a checkpoint moves freely between engines.
"""
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
    """microgpt.py's update, for each weight w with gradient g:

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        w -= lr_t * (m / m_correction) / ((v / v_correction)**0.5 + eps)

    g**2 and **0.5 stay as they are: pow() can differ from g * g and math.sqrt in the last
    bit (tests/unit/test_optimizer.py checks the update bit for bit).
    """
    PARAMETERS = "lr_t, m_correction, v_correction, eps"
    V_UPDATE = "beta2 * v{j} + one_minus_beta2 * g{j}**2"
    W_UPDATE = "w{j} - lr_t * (m{j} / m_correction) / ((v{j} / v_correction)**0.5 + eps)"

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
                     *self.step_constants(lr_t, m_correction, v_correction))
        for name, rows in self.weights.items():
            update = matrix_updater(len(rows[0]), self.PARAMETERS, self.V_UPDATE, self.W_UPDATE)
            update(rows, grads[name], self.m[name], self.v[name], *constants)

    def step_constants(self, lr_t, m_correction, v_correction):
        return lr_t, m_correction, v_correction, self.config.eps


class FusedAdam(Adam):
    """The same update as

        w -= step_size * m / (v**0.5 + eps_t)

    with step_size = lr_t * v_correction**0.5 / m_correction and eps_t = eps * v_correction**0.5.
    """
    PARAMETERS = "step_size, eps_t"
    V_UPDATE = "beta2 * v{j} + one_minus_beta2 * g{j} * g{j}"
    W_UPDATE = "w{j} - step_size * m{j} / (v{j}**0.5 + eps_t)"

    def step_constants(self, lr_t, m_correction, v_correction):
        root_v_correction = v_correction**0.5
        return lr_t * root_v_correction / m_correction, self.config.eps * root_v_correction


@cache
def matrix_updater(n, parameters, v_update, w_update):
    """Adam's update, in place, of a matrix whose rows hold n weights, written out for the n
    weights of a row rather than looped over: this runs once per weight per step, and
    straight-line code is about 25% faster, in CPython and in Pyodide. The float operations
    are the formulas' own: v_update and w_update are templates over the weight's index j.
    """
    def names(prefix):
        return ", ".join(f"{prefix}{j}" for j in range(n)) + ","
    lines = [
        f"def update(W, G, M, V, beta1, one_minus_beta1, beta2, one_minus_beta2, {parameters}):",
        "    for w, g, m, v in zip(W, G, M, V):",
        f"        {names('g')} = g",
        f"        {names('m')} = m",
        f"        {names('v')} = v",
        f"        {names('w')} = w",
    ]
    for j in range(n):
        lines.append(f"        m{j} = beta1 * m{j} + one_minus_beta1 * g{j}")
        lines.append(f"        v{j} = {v_update.format(j=j)}")
    lines.append(f"        m[:] = ({names('m')})")
    lines.append(f"        v[:] = ({names('v')})")
    lines.append(f"        w[:] = ({', '.join(w_update.format(j=j) for j in range(n))},)")
    namespace = {}
    exec("\n".join(lines), namespace)
    return namespace["update"]
