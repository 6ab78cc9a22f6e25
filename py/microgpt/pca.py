"""Principal component analysis: the two directions along which a set of vectors varies most,
so the page can draw 16-dimensional embeddings on a plane.

The covariance matrix C of the vectors (d x d) is symmetric, and its eigenvectors with the two
largest eigenvalues are the axes. We find them by subspace iteration: multiply a few vectors by
C again and again, re-orthonormalising them, and the plane of the first two turns towards C's
top two eigenvectors. To turn faster we multiply by C**8 (C squared three times), with BLOCK vectors
rather than 2 (the second axis then settles as fast as (λ5/λ2)**8 per turn, not (λ3/λ2)**8), and
finish with the exact eigenproblem inside the subspace found (Rayleigh-Ritz, by Jacobi
rotations). A fixed number of turns, and only +, *, / and sqrt: every machine that rounds IEEE
floats finds the same axes, up to the last bits. (The dot products are the fast engine's kernels:
twice as fast as sum(), and they add left to right on every Python.)
"""
from itertools import chain
from math import sqrt

from .kernels import dot_kernel, dot_table

SQUARINGS = 3  # iterate with C**(2**3)
BLOCK = 4  # vectors iterated together
ITERATIONS = 6  # of C**8: like 48 plain power iterations


def dot(u, v):
    return dot_kernel(len(u))(u, v)


def principal_axes(rows, previous=None):
    """The top two principal axes of rows (n vectors of d floats), each a list of d floats, and
    the fraction of the variance each explains.

    An axis's sign is arbitrary. Given the previous frame's axes, each is turned to agree with
    its predecessor, so that a picture drawn frame after frame doesn't flip; without them, each
    axis's largest entry is positive.
    """
    n, d = len(rows), len(rows[0])
    centered = [_minus_mean(col) for col in zip(*rows)]  # (d, n): by dimension
    if n >= d:
        axes, variances = _top_two(_gram(centered, n))  # the covariance, (d, d)
    else:  # fewer vectors than dimensions (wpe: 8 in 16): the same from the (n, n) Gram matrix X X^T / n,
        X = list(zip(*centered))  # whose eigenvector u gives the axis X^T u (normalised)
        us, variances = _top_two(_gram(X, n))
        top = sum(variances) or 1.0  # (a vanishing eigenvalue's X^T u is rounding noise: no axis)
        axes = [_unit([dot(u, col) for col in centered]) if v > 1e-12 * top else [0.0] * d
                for u, v in zip(us, variances)]
    references = previous or [[float(x == max(axis, key=abs)) for x in axis] for axis in axes]
    axes = [[-x for x in axis] if dot(axis, reference) < 0 else axis for axis, reference in zip(axes, references)]
    total = sum(dot(col, col) for col in centered) / n  # the trace of C: all the variance
    return axes, [v / total if total > 0 else 0.0 for v in variances]


def _top_two(S):
    """The top two eigenvectors of the symmetric matrix S and their eigenvalues."""
    d = len(S)
    M = S
    for _ in range(SQUARINGS):
        M = _scaled(_gram(M, 1))  # M M = M M^T, M being symmetric
    Q = _orthonormal(sorted(M, key=lambda row: -dot(row, row))[:BLOCK], d, min(d, BLOCK))  # a start near the answer
    for _ in range(ITERATIONS):
        Q = _orthonormal(list(zip(*dot_table(M, Q))), d, len(Q))  # M q for each q
    return _rayleigh_ritz(S, Q)


def _minus_mean(values):
    mean = sum(values) / len(values)
    return [x - mean for x in values]


def _unit(v):
    norm = sqrt(dot(v, v))
    return [x / norm for x in v] if norm > 0 else v


def project(rows, axes):
    """Each row's coordinates along the axes, measured from the rows' mean: [[x, y], ...]."""
    centered = list(zip(*(_minus_mean(col) for col in zip(*rows))))
    return dot_table(centered, axes)


def _gram(vectors, n):
    """The symmetric matrix of the vectors' dot products, each divided by n."""
    G = dot_table(vectors, vectors)
    return G if n == 1 else [[x / n for x in row] for row in G]


def _scaled(A):
    """A divided by its largest entry: powers of C would otherwise overflow or underflow."""
    largest = max(abs(x) for row in A for x in row)
    return A if largest == 0 else [[x / largest for x in row] for row in A]


def _orthonormal(vectors, d, k):
    """k orthonormal vectors, by Gram-Schmidt, run again on a vector that lost most of its
    length to it ("twice is enough": once leaves a small remainder far from orthogonal). A
    vector that all but vanishes (C's rank is below k, or its powers have washed it out) is
    replaced by a unit vector e_i not yet spanned."""
    basis = []
    units = ([float(i == j) for j in range(d)] for i in range(d))
    for v in chain(vectors, units):
        size = norm = sqrt(dot(v, v))
        for _ in range(2):
            for b in basis:
                c = dot(v, b)
                v = [x - c * y for x, y in zip(v, b)]
            before, norm = norm, sqrt(dot(v, v))
            if norm > 0.5 * before:
                break  # (little was taken away: orthogonal enough)
        if norm > 1e-9 * size:
            basis.append([x / norm for x in v])
        if len(basis) == k:
            return basis


def _rayleigh_ritz(C, Q):
    """The top two eigenvectors of C within the subspace Q spans (two axes even when d is 1:
    the second is then zero) and their eigenvalues: the eigenvectors of the small matrix
    Q C Q^T, turned back into d dimensions."""
    CQ = dot_table(Q, C)
    values, vectors = _jacobi([[dot(qi, cqj) for cqj in CQ] for qi in Q])
    order = sorted(range(len(values)), key=lambda i: -values[i])[:2]
    columns = list(zip(*vectors))  # the small matrix's eigenvectors
    axes = dot_table([columns[i] for i in order], list(zip(*Q)))  # Q^T u
    variances = [values[i] for i in order]
    while len(axes) < 2:
        axes.append([0.0] * len(Q[0]))
        variances.append(0.0)
    return axes, variances


def _jacobi(A, sweeps=30):
    """The eigenvalues of the small symmetric matrix A, and its eigenvectors (as the columns of
    the matrix returned): rotations that zero the off-diagonal entries one by one (Golub & Van
    Loan, 8.5) until they are negligible."""
    n = len(A)
    A = [row[:] for row in A]
    V = [[float(i == j) for j in range(n)] for i in range(n)]
    scale = sum(abs(x) for row in A for x in row) or 1.0
    for _ in range(sweeps):
        if sum(abs(A[p][q]) for p in range(n) for q in range(p + 1, n)) <= 1e-17 * scale:
            break
        for p in range(n):
            for q in range(p + 1, n):
                if A[p][q] == 0.0:
                    continue
                theta = (A[q][q] - A[p][p]) / (2 * A[p][q])
                t = (1.0 if theta >= 0 else -1.0) / (abs(theta) + sqrt(theta * theta + 1))
                c = 1 / sqrt(t * t + 1)
                s = t * c
                for M in (A, V):  # columns p and q of A, and of V
                    for row in M:
                        row[p], row[q] = c * row[p] - s * row[q], s * row[p] + c * row[q]
                for k in range(n):  # rows p and q of A
                    A[p][k], A[q][k] = c * A[p][k] - s * A[q][k], s * A[p][k] + c * A[q][k]
    return [A[i][i] for i in range(n)], V
