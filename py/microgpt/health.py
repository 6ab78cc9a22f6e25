"""How healthy the optimisation is: for each weight matrix, how big Adam's update was next to
the weights it changed, and how big the gradient was.

This is the diagnostic of Karpathy's makemore (lecture 3): the update-to-weight ratio
||w_after - w_before|| / ||w_before||. Near 1e-3 a matrix learns steadily; far above it the
updates are so big they thrash; far below, the matrix barely moves. The gradient's norm says
how strongly the loss pulls on the matrix at all.
"""
from math import sqrt
from operator import mul, sub

EVERY = 5  # steps between two measurements: a measurement costs about a tenth of a step


def copy(weights):
    """The weights as they are now, before an update changes them in place."""
    return {name: [row[:] for row in rows] for name, rows in weights.items()}


def measure(before, after, grads):
    """Per matrix, in the weights' order: (update / weight ratio, gradient norm)."""
    return [(sqrt(_sum_of_squares(map(sub, a, b) for a, b in zip(after[name], rows))
                  / max(_sum_of_squares(rows), 1e-300)),
             sqrt(_sum_of_squares(grads[name])))
            for name, rows in before.items()]


def _sum_of_squares(rows):
    total = 0.0
    for row in rows:
        row = list(row)
        total += sum(map(mul, row, row))
    return total
