"""Adam, with the learning rate decaying linearly to zero over the run.

Two ways to compute the same update, one per engine:
- Adam is microgpt.py's loop, float operation for float operation, so the reference engine
  reproduces microgpt.py bit for bit.
- FusedAdam folds the two bias corrections into the step size and epsilon, as the Adam
  paper suggests (Kingma & Ba 2015, end of section 2), and squares with a multiplication:
  12 float operations per weight instead of 14, and one pow() instead of two, in a loop
  written out per row length (kernels.fused_adam_kernel). The values are the same up to
  rounding in the last bits, about as far apart as the fast engine's gradients already are
  from the reference's.
Both keep the same moments m and v, so a checkpoint moves freely between engines.
"""
from dataclasses import dataclass

from .kernels import fused_adam_kernel
from .model import zeros_like


@dataclass(frozen=True)
class AdamConfig:
    lr: float = 0.01
    beta1: float = 0.85
    beta2: float = 0.99
    eps: float = 1e-8


class Adam:
    """microgpt.py's Adam. g**2 and **0.5 stay as they are: pow() can differ from g * g and
    math.sqrt in the last bit (tests/unit/test_optimizer.py checks the update bit for bit)."""

    def __init__(self, weights, config=AdamConfig(), m=None, v=None):
        self.weights = weights
        self.config = config
        self.m = m if m is not None else zeros_like(weights)  # running mean of gradients
        self.v = v if v is not None else zeros_like(weights)  # running mean of squared gradients

    def step(self, grads, step, num_steps):
        """Update the weights in place for step (0-based) of num_steps."""
        beta1, beta2, eps = self.config.beta1, self.config.beta2, self.config.eps
        lr_t = self.config.lr * (1 - step / num_steps)
        for name, rows in self.weights.items():
            for w, g, m, v in zip(rows, grads[name], self.m[name], self.v[name]):
                for j in range(len(w)):
                    m[j] = beta1 * m[j] + (1 - beta1) * g[j]
                    v[j] = beta2 * v[j] + (1 - beta2) * g[j]**2
                    # The moments start at zero; dividing by (1 - beta**t) undoes that bias.
                    m_hat = m[j] / (1 - beta1 ** (step + 1))
                    v_hat = v[j] / (1 - beta2 ** (step + 1))
                    w[j] -= lr_t * m_hat / (v_hat**0.5 + eps)


class FusedAdam(Adam):
    """Adam's update, computed as

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w -= step_size * m / (v**0.5 + eps_t)

    with step_size = lr_t * v_correction**0.5 / m_correction and eps_t = eps * v_correction**0.5,
    where m_correction = 1 - beta1**t and v_correction = 1 - beta2**t: dividing m by
    m_correction and v by v_correction, as Adam does, moves the same factors into the step
    size and epsilon.
    """

    def step(self, grads, step, num_steps):
        """Update the weights in place for step (0-based) of num_steps."""
        c = self.config
        lr_t = c.lr * (1 - step / num_steps)
        root_v_correction = (1 - c.beta2 ** (step + 1)) ** 0.5
        step_size = lr_t * root_v_correction / (1 - c.beta1 ** (step + 1))
        eps_t = c.eps * root_v_correction
        for name, rows in self.weights.items():
            update = fused_adam_kernel(len(rows[0]))
            update(rows, grads[name], self.m[name], self.v[name],
                   c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, step_size, eps_t)
