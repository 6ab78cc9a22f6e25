"""Kernels: the fast engine's arithmetic, written out as straight-line Python and compiled.

Spelled out term by term (r0 * x0 + r1 * x1 + ...), a dot product runs about twice as
fast as sum(map(operator.mul, r, x)), in CPython and in Pyodide, where it also beats
math.sumprod. And it adds strictly left to right, as Value addition does: builtin sum()
of floats compensates on Python 3.12+, and math.sumprod uses extended precision, so either
would change the last bits of the forward pass. Every kernel does the float operations
its docstring writes, in that order.

A kernel is written for one vector length (or shape), compiled the first time that length
comes up (lengths come and go, like the MLP's active units, and compiling costs about
1 ms in Pyodide) and kept. It is compiled under a name such as "<kernel rmsnorm n=16>",
with its source in linecache, so a traceback through a kernel shows the generated line.

Limits, each asserted by the kernel that relies on it:
- MAX_TERMS: the most terms one expression adds. Thousands of terms in one a + b + ...
  overflow the compiler's stack (Pyodide crashes), so sums go on in chunks, s = s + ...;
  only a table kernel writes each dot as one expression, and so takes no longer vectors.
- CAUSAL_SPAN: the longest attention span whose softmax is written out (the code grows as
  its square); causal_softmax goes row by row past it.
And two choices of speed: dot_table uses table kernels, which hold a block of vectors in
local names, only for vectors of up to TABLE_LENGTH, TABLE_LOCALS names at a time.
"""
import linecache
from functools import cache
from math import exp

MAX_TERMS = 64
TABLE_LENGTH = 32
TABLE_LOCALS = 256
CAUSAL_SPAN = 32


def _compile(filename, lines, *names):
    """The functions called names, defined by lines, compiled as the file filename."""
    source = "\n".join(lines) + "\n"
    # mtime None: linecache.checkcache() keeps the entry, as for sources from a __loader__
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"exp": exp}
    exec(compile(source, filename, "exec"), namespace)
    functions = tuple(namespace[name] for name in names)
    return functions[0] if len(functions) == 1 else functions


def _names(prefix, n):
    """'p0, p1, ..., p{n-1},': n local names, as a tuple to unpack into or build."""
    return ", ".join(f"{prefix}{i}" for i in range(n)) + ","


def _sum_lines(terms, indent):
    """Statements that add terms left to right into s, at most MAX_TERMS per expression."""
    lines = [f"{indent}s = " + " + ".join(terms[:MAX_TERMS])]
    for i in range(MAX_TERMS, len(terms), MAX_TERMS - 1):
        lines.append(f"{indent}s = s + " + " + ".join(terms[i:i + MAX_TERMS - 1]))
    return lines


# --- Dot products -----------------------------------------------------------------------

@cache
def dot_kernel(n):
    """dot(a, b) = a[0] * b[0] + ... + a[n-1] * b[n-1] (reads only the first n entries)."""
    return _compile(f"<kernel dot n={n}>", [
        "def dot(a, b):",
        *_sum_lines([f"a[{i}] * b[{i}]" for i in range(n)], "    "),
        "    return s"], "dot")


@cache
def dot_rows_kernel(n):
    """dot_rows(rows, x) = [dot(row, x) for row in rows], for rows and x of exactly n."""
    return _compile(f"<kernel dot_rows n={n}>", [
        "def dot_rows(rows, x):",
        f"    {_names('x', n)} = x",
        "    out = []",
        f"    for {_names('r', n)} in rows:",  # faster than indexing each row n times
        *_sum_lines([f"r{i} * x{i}" for i in range(n)], "        "),
        "        out.append(s)",
        "    return out"], "dot_rows")


@cache
def dot_table_kernel(n, m):
    """dot_table(A, B) for m vectors B of length n, all of B's entries held in local names."""
    assert n <= MAX_TERMS, f"each dot is one expression: at most {MAX_TERMS} terms, not {n}"
    b = [[f"b{j}_{i}" for i in range(n)] for j in range(m)]
    dots = [" + ".join(f"a{i} * {bj[i]}" for i in range(n)) for bj in b]
    return _compile(f"<kernel dot_table n={n} m={m}>", [
        "def dot_table(A, B):",
        *(f"    {', '.join(bj)}, = B[{j}]" for j, bj in enumerate(b)),
        "    out = []",
        f"    for {_names('a', n)} in A:",
        f"        out.append([{', '.join(dots)}])",
        "    return out"], "dot_table")


def dot_table(A, B):
    """[[dot(a, b) for b in B] for a in A], for sequences A and B of vectors of one length."""
    if len(A) == 1:  # nothing to amortize
        return [dot_rows_kernel(len(B[0]))(B, A[0])]
    n = len(B[0])
    if n > TABLE_LENGTH:
        dot_rows = dot_rows_kernel(n)
        return [dot_rows(B, a) for a in A]
    # Table kernels take B a block at a time, each block's entries unpacked once into
    # local names; then every dot is pure arithmetic. This beats unpacking each b afresh
    # (dot_rows) by 10-40% for short vectors, as long as there are few enough names.
    per_block = TABLE_LOCALS // n
    if len(B) <= per_block:
        return dot_table_kernel(n, len(B))(A, B)
    out = dot_table_kernel(n, per_block)(A, B[:per_block])
    for i in range(per_block, len(B), per_block):
        block = B[i:i + per_block]
        for row, part in zip(out, dot_table_kernel(n, len(block))(A, block)):
            row += part
    return out


# --- Softmax ----------------------------------------------------------------------------

@cache
def softmax_kernel(n):
    """softmax(logits) for n logits, as reference.softmax on Values: exp(l - max), times
    total**-1 (a Value division)."""
    return _compile(f"<kernel softmax n={n}>", [
        "def softmax(logits):",
        f"    {_names('l', n)} = logits",
        "    top = max(logits)",  # subtracted for numerical safety only
        f"    {_names('e', n)} = {', '.join(f'exp(l{i} - top)' for i in range(n))},",
        *_sum_lines([f"e{i}" for i in range(n)], "    "),
        "    inv_total = s ** -1",
        f"    return [{', '.join(f'e{i} * inv_total' for i in range(n))}]"], "softmax")


def softmax(logits):
    return softmax_kernel(len(logits))(logits)


@cache
def causal_softmax_kernels(n_rows, n):
    """causal_softmax and causal_softmax_backward for n_rows queries over n positions."""
    assert n <= CAUSAL_SPAN, f"written out only up to {CAUSAL_SPAN} positions, not {n}"
    forward = ["def causal_softmax(logits, scale):", "    out = []"]
    backward = ["def causal_softmax_backward(A, dA, scale):", "    out = []"]
    for i in range(n_rows):
        k = range(n - n_rows + i + 1)  # the positions query i sees
        zeros = ", 0.0" * (n - len(k))
        forward += [
            f"    {_names('l', n)} = logits[{i}]",
            f"    {_names('s', len(k))} = {', '.join(f'l{j} * scale' for j in k)},",
            f"    top = max({', '.join(f's{j}' for j in k)})" if len(k) > 1 else "    top = s0",
            f"    {_names('e', len(k))} = {', '.join(f'exp(s{j} - top)' for j in k)},",
            *_sum_lines([f"e{j}" for j in k], "    "),
            "    inv_total = s ** -1",
            f"    out.append([{', '.join(f'e{j} * inv_total' for j in k)}{zeros}])"]
        backward += [
            f"    {_names('a', n)} = A[{i}]",
            f"    {_names('d', n)} = dA[{i}]",
            *_sum_lines([f"a{j} * d{j}" for j in k], "    "),  # s = a . d
            f"    out.append([{', '.join(f'a{j} * (d{j} - s) * scale' for j in k)}{zeros}])"]
    return _compile(f"<kernel causal_softmax rows={n_rows} n={n}>",
                    forward + ["    return out", ""] + backward + ["    return out"],
                    "causal_softmax", "causal_softmax_backward")


def causal_softmax(logits, scale):
    """Attention weights: for query rows at the last len(logits) of n positions (n being
    the rows' length), the softmax of each row's logits times scale, over the positions up
    to the query's own, as reference.softmax on Values; zero past them."""
    n_rows, n = len(logits), len(logits[0])
    if n <= CAUSAL_SPAN:  # written out, three times faster than row by row
        return causal_softmax_kernels(n_rows, n)[0](logits, scale)
    first = n - n_rows
    return [softmax([logit * scale for logit in row[:first + i + 1]]) + [0.0] * (n_rows - 1 - i)
            for i, row in enumerate(logits)]


def causal_softmax_backward(A, dA, scale):
    """d(loss)/d(logits) from the weights A (every query, T x T) and d(loss)/dA:
    a * (da - a . da) * scale, row by row."""
    if len(A) <= CAUSAL_SPAN:
        return causal_softmax_kernels(len(A), len(A))[1](A, dA, scale)
    dot = dot_kernel(len(A))
    dS = []
    for a, da in zip(A, dA):
        a_da = dot(a, da)
        dS.append([ai * (dai - a_da) * scale for ai, dai in zip(a, da)])
    return dS


# --- RMSNorm, sums and updates ----------------------------------------------------------

@cache
def rmsnorm_kernels(n):
    """rmsnorm(X) -> Y, scales and rmsnorm_backward(dY, Y, scales) -> dX, for rows of n."""
    x, y, dy = _names("x", n), _names("y", n), _names("g", n)
    return _compile(f"<kernel rmsnorm n={n}>", [
        "def rmsnorm(X):",
        "    Y, scales = [], []",
        f"    for {x} in X:",
        *_sum_lines([f"x{i} * x{i}" for i in range(n)], "        "),
        f"        s = (s * {n ** -1!r} + 1e-5) ** -0.5",  # as Value: sum(...) / n is sum(...) * n**-1
        f"        Y.append(({', '.join(f'x{i} * s' for i in range(n))},))",
        "        scales.append(s)",
        "    return Y, scales",
        "",
        "def rmsnorm_backward(dY, Y, scales):",
        "    dX = []",
        f"    for ({dy}), ({y}), scale in zip(dY, Y, scales):",
        *_sum_lines([f"g{i} * y{i}" for i in range(n)], "        "),
        f"        c = s * {1 / n!r}",
        f"        dX.append(({', '.join(f'scale * (g{i} - c * y{i})' for i in range(n))},))",
        "    return dX"], "rmsnorm", "rmsnorm_backward")


@cache
def add_kernel(n):
    """add(A, B) = [a + b for a, b in zip(A, B)], entry by entry, for rows of n."""
    return _compile(f"<kernel add n={n}>", [
        "def add(A, B):",
        "    out = []",  # (a loop: a list comprehension costs one more call)
        f"    for ({_names('a', n)}), ({_names('b', n)}) in zip(A, B):",
        f"        out.append(({', '.join(f'a{i} + b{i}' for i in range(n))},))",
        "    return out"], "add")


def add(A, B):
    """The rows of A plus the rows of B."""
    return add_kernel(len(A[0]))(A, B)


@cache
def add_outer_kernel(n):
    """add_outer(rows, indices, coefs, x): rows[i] = rows[i] + c * x for each i and c, in
    place, for x of length n: a sparse rank-one update of a list of rows."""
    r, x = _names("r", n), _names("x", n)
    return _compile(f"<kernel add_outer n={n}>", [
        "def add_outer(rows, indices, coefs, x):",
        f"    {x} = x",
        "    for i, c in zip(indices, coefs):",
        f"        {r} = rows[i]",
        f"        rows[i] = ({', '.join(f'r{j} + c * x{j}' for j in range(n))},)"], "add_outer")


@cache
def fused_adam_kernel(n):
    """update(W, G, M, V, beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, eps_t):
    optimizer.FusedAdam's update, in place, of a matrix whose rows hold n weights:

        m = beta1 * m + one_minus_beta1 * g
        v = beta2 * v + one_minus_beta2 * g * g
        w = w - step_size * m / (v**0.5 + eps_t)

    This runs once per weight per step; written out for a row's n weights rather than
    looped over, it is about 25% faster, in CPython and in Pyodide.
    """
    lines = [
        "def update(W, G, M, V, beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, eps_t):",
        "    for w, g, m, v in zip(W, G, M, V):",
        f"        {_names('g', n)} = g",
        f"        {_names('m', n)} = m",
        f"        {_names('v', n)} = v",
        f"        {_names('w', n)} = w"]
    for j in range(n):
        lines.append(f"        m{j} = beta1 * m{j} + one_minus_beta1 * g{j}")
        lines.append(f"        v{j} = beta2 * v{j} + one_minus_beta2 * g{j} * g{j}")
    w = ", ".join(f"w{j} - step_size * m{j} / (v{j}**0.5 + eps_t)" for j in range(n))
    lines += [
        f"        m[:] = ({_names('m', n)})",
        f"        v[:] = ({_names('v', n)})",
        f"        w[:] = ({w},)"]
    return _compile(f"<kernel fused_adam n={n}>", lines, "update")
