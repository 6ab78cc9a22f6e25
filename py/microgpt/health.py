"""How healthy the optimisation is: for each weight matrix, how big Adam's update was next to
the weights it changed, and how big the gradient was.

This is the diagnostic of Karpathy's makemore (lecture 3): the update-to-weight ratio
||w_after - w_before|| / ||w_before||. Near 1e-3 a matrix learns steadily; far above it the
updates are so big they thrash; far below, the matrix barely moves. The gradient's norm says
how strongly the loss pulls on the matrix at all.
"""
from itertools import chain
from math import hypot
from operator import sub

EVERY = 20  # steps between two measurements: one costs about a tenth of a step


def copy(weights):
    """The weights as they are now, before an update changes them in place: each matrix flat."""
    return {name: _flat(rows) for name, rows in weights.items()}


def measure(before, after, grads):
    """Per matrix, in the weights' order: (update / weight ratio, gradient norm); before is
    copy() of the weights before the update."""
    result = []
    for name, weights in before.items():
        update = map(sub, _flat(after[name]), weights)
        result.append((hypot(*update) / max(hypot(*weights), 1e-300), hypot(*_flat(grads[name]))))
    return result


def _flat(rows):
    return list(chain.from_iterable(rows))
