"""Adam, with the learning rate decaying linearly to zero over the run."""
from dataclasses import dataclass

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
        for name, rows in self.weights.items():
            for w, g, m, v in zip(rows, grads[name], self.m[name], self.v[name]):
                for j, g_j in enumerate(g):
                    m[j] = c.beta1 * m[j] + (1 - c.beta1) * g_j
                    v[j] = c.beta2 * v[j] + (1 - c.beta2) * g_j**2
                    m_hat = m[j] / m_correction
                    v_hat = v[j] / v_correction
                    w[j] -= lr_t * m_hat / (v_hat**0.5 + c.eps)
