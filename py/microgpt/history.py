"""Time travel: the weights of a run every k steps, kept within a memory bound, so the page can
show the model as it was at any kept step.

A snapshot is every weight, in the model's order, as one array of doubles (8 bytes a weight:
the default model's 4,064 weights take 32 KB). k is chosen when the run starts so that at
most MAX_SNAPSHOTS fit in MAX_BYTES; besides them the latest step is always kept, so the end
of a run, or the step where it stopped, can be gone back to.
"""
from array import array
from itertools import chain

MAX_SNAPSHOTS = 100  # at the default 500 steps: one every 5 steps
MAX_BYTES = 32_000_000  # all snapshots together; the largest model (0.26 M weights) gets 13


class History:
    def __init__(self, num_steps, num_params, first_step=0):
        room = max(1, min(MAX_SNAPSHOTS, MAX_BYTES // (8 * num_params) - 2))  # (-2: the first and the latest)
        self.every = max(1, -(-num_steps // room))  # k: ceil(steps / room)
        self.first_step = first_step  # a run opened from a checkpoint starts its history there
        self.snapshots = {}  # step -> array('d') of every weight
        self.off_grid = None  # the latest step kept that is not on the k-step grid

    def keep(self, step, weights, latest=False):
        """Keep the weights at step if it is a step to keep (step 0, the first, every k-th),
        or if it is the latest: that one replaces the latest kept before it."""
        on_grid = step == self.first_step or step % self.every == 0
        if not (on_grid or latest):
            return
        if self.off_grid not in (None, step):
            del self.snapshots[self.off_grid]  # a later step is kept now
        self.off_grid = None if on_grid else step
        self.snapshots[step] = array("d", chain.from_iterable(chain.from_iterable(weights.values())))

    @property
    def steps(self):
        return sorted(self.snapshots)

    def weights_at(self, step, shapes):
        """The weights kept at step, as a dict of matrices shaped as shapes (name: (rows, cols))."""
        flat = self.snapshots[step]
        weights, i = {}, 0
        for name, (rows, cols) in shapes.items():
            weights[name] = [flat[i + r * cols: i + (r + 1) * cols].tolist() for r in range(rows)]
            i += rows * cols
        return weights

    @property
    def nbytes(self):
        return sum(snapshot.itemsize * len(snapshot) for snapshot in self.snapshots.values())
