"""Principal component analysis: the two directions along which a set of vectors varies most,
so the page can draw 16-dimensional embeddings on a plane.

The covariance matrix C of the vectors (d x d) is symmetric, and its eigenvectors with the two
largest eigenvalues are the axes. We find them by subspace iteration: multiply two vectors by
C again and again, re-orthonormalising them, and they turn towards C's top two eigenvectors.
To turn faster we multiply by C**8 (C squared three times), and finish with the exact 2 x 2
eigenproblem inside the subspace found (Rayleigh-Ritz). Only +, *, / and sqrt: every
machine that rounds IEEE floats computes the same axes.
"""
from itertools import chain
from math import sqrt
from operator import mul

SQUARINGS = 3  # iterate with C**(2**3)
ITERATIONS = 40  # of C**8 at most (like 320 plain power iterations); most runs settle in a few


def dot(u, v):
    return sum(map(mul, u, v))


def principal_axes(rows, previous=None):
    """The top two principal axes of rows (n vectors of d floats), each a list of d floats.

    An axis's sign is arbitrary; so is the order of two axes of equal variance. Given the
    previous frame's axes, these are matched to them (swapped, flipped) so that a picture
    drawn frame after frame doesn't jump. Without them, each axis's largest entry is positive.
    Also returns the fraction of the variance each axis explains.
    """
    d = len(rows[0])
    cols = list(zip(*rows))
    means = [sum(col) / len(col) for col in cols]
    centered = [[x - m for x in col] for col, m in zip(cols, means)]
    C = [[dot(ci, cj) / len(rows) for cj in centered] for ci in centered]  # (d, d)
    M = C
    for _ in range(SQUARINGS):
        M = _scaled(_matmul(M, M))
    Q = _orthonormal(sorted(M, key=lambda row: -dot(row, row))[:2], d)  # M's largest rows: a start near the answer
    for _ in range(ITERATIONS):
        Q, before = _orthonormal([_matvec(M, q) for q in Q], d), Q
        if all(abs(dot(q, b)) > 1 - 1e-15 for q, b in zip(Q, before)):
            break  # turned as far as it will
    axes, variances = _rayleigh_ritz(C, Q)
    if previous:
        if _crossed(axes, previous):
            axes, variances = axes[::-1], variances[::-1]
        axes = [_flipped(axis, dot(axis, before) < 0) for axis, before in zip(axes, previous)]
    else:
        axes = [_flipped(axis, max(axis, key=abs) < 0) for axis in axes]
    total = sum(C[i][i] for i in range(d))
    explained = [v / total if total > 0 else 0.0 for v in variances]
    return axes, explained


def project(rows, axes):
    """Each row's coordinates along the axes, measured from the rows' mean: [[x, y], ...]."""
    means = [sum(col) / len(col) for col in zip(*rows)]
    centered = [[x - m for x, m in zip(row, means)] for row in rows]
    return [[dot(row, axis) for axis in axes] for row in centered]


def _matmul(A, B):
    BT = list(zip(*B))
    return [[dot(row, col) for col in BT] for row in A]


def _matvec(A, v):
    return [dot(row, v) for row in A]


def _scaled(A):
    """A divided by its largest entry: powers of C would otherwise overflow or underflow."""
    largest = max(abs(x) for row in A for x in row)
    return A if largest == 0 else [[x / largest for x in row] for row in A]


def _orthonormal(vectors, d):
    """Gram-Schmidt; a vector that vanishes (a rank below 2, d < 2) is replaced by a unit
    vector e_i not yet spanned, so there are always two orthonormal axes (for d >= 2)."""
    basis = []
    units = ([float(i == j) for j in range(d)] for i in range(d))
    for v in chain(vectors, units):
        for b in basis:
            c = dot(v, b)
            v = [x - c * y for x, y in zip(v, b)]
        norm = sqrt(dot(v, v))
        if norm > 1e-150:
            basis.append([x / norm for x in v])
        if len(basis) == 2:
            return basis
    return basis + [[0.0] * d]  # d == 1: a line, drawn flat


def _rayleigh_ritz(C, Q):
    """The eigenvectors of C within the plane Q spans, largest eigenvalue first: the exact
    eigenvectors of the 2 x 2 matrix [[a, b], [b, c]] = Q C Q^T, turned back into d dimensions."""
    CQ = [_matvec(C, q) for q in Q]
    a, b, c = dot(Q[0], CQ[0]), dot(Q[0], CQ[1]), dot(Q[1], CQ[1])
    gap = sqrt((a - c) ** 2 + 4 * b * b)
    high, low = (a + c + gap) / 2, (a + c - gap) / 2
    if b == 0:
        u = (1.0, 0.0) if a >= c else (0.0, 1.0)
    else:  # (b, high - a) is an eigenvector of [[a, b], [b, c]] for eigenvalue high
        norm = sqrt(b * b + (high - a) ** 2)
        u = (b / norm, (high - a) / norm)
    first = [u[0] * x + u[1] * y for x, y in zip(*Q)]
    second = [-u[1] * x + u[0] * y for x, y in zip(*Q)]
    return [first, second], [high, low]


def _flipped(axis, flip):
    return [-x for x in axis] if flip else axis


def _crossed(axes, previous):
    """Whether the axes continue the previous ones better in the other order."""
    straight = abs(dot(axes[0], previous[0])) + abs(dot(axes[1], previous[1]))
    crossed = abs(dot(axes[0], previous[1])) + abs(dot(axes[1], previous[0]))
    return crossed > straight
