"""The fast engine: reference.py's GPT computed on plain lists of floats.

The reference engine makes every scalar a Value and walks the graph backwards. This engine
does the same arithmetic on lists of floats, with each layer's backward pass written by
hand beside its forward pass. Training sees a whole document at once, so the forward pass
runs layer by layer over all its positions and keeps, in local variables, what the
backward pass needs; nothing outlives the call. Inference (decoder) builds no graph.

A matrix is a list of rows; X[t] is position t's vector, W[o] is the weights of output o.

Exactness: the forward pass does reference.py's float operations in reference.py's order
(the comments marked "as Value" point out the less obvious ones), so losses and logits are
bit for bit the reference engine's. Its sums may leave out terms that are exactly zero (the
ReLU's zeros) or add some at the end (attention weights past a query's position), and
start from their first term where Value sums start from 0: none of that changes a sum,
except perhaps the sign of one that is exactly zero, and no nonzero result can tell.
The backward pass adds the same terms in other orders, so gradients agree to rounding
(about 1e-16, relative). Training updates the weights with FusedAdam (optimizer.py): the
same Adam in fewer float operations, equal to rounding too.

Speed, chosen by measuring CPython 3.11 and Pyodide (Python 3.14 in WebAssembly): the dot
products are compiled per length as straight-line code (see the kernels below); the
positions of a document go through each layer together, so each weight matrix is read once
per layer, not once per position; and the query, key and value projections run as one
stacked matrix.
"""
from functools import cache
from math import exp, log
from operator import itemgetter

from .optimizer import FusedAdam as Optimizer  # the same Adam, in fewer float operations

# --- Kernels: dot products written out in full -------------------------------------------
#
# Spelled out term by term (r0 * x0 + r1 * x1 + ...), a dot product runs about twice as
# fast as sum(map(operator.mul, r, x)), in CPython and in Pyodide, where it also beats
# math.sumprod. And it adds strictly left to right, as Value addition does: builtin sum()
# of floats compensates on Python 3.12+, and math.sumprod uses extended precision, so
# either would change the last bits of the forward pass. The kernels are compiled once per
# vector length (and table shape) and cached.

_CHUNK = 64  # terms per expression: thousands of terms in one a + b + ... overflow the
             # compiler's stack (Pyodide crashes), so longer sums go on as s = s + ...
_TABLE_LOCALS = 256  # local names per table kernel: beyond this, it stops paying off
_TABLE_LENGTH = 32  # and for longer vectors, blocks would hold too few of them
_UNROLL = 32  # the longest attention span written out (the code grows as its square)


def _sum_lines(terms, indent):
    """Statements that add terms left to right into s."""
    lines = [f"{indent}s = " + " + ".join(terms[:_CHUNK])]
    for i in range(_CHUNK, len(terms), _CHUNK):
        lines.append(f"{indent}s = s + " + " + ".join(terms[i:i + _CHUNK]))
    return lines


def _compile(lines, name):
    """The function called name (or the functions, for a tuple of names) in lines."""
    namespace = {"exp": exp}
    exec("\n".join(lines), namespace)
    return tuple(namespace[n] for n in name) if isinstance(name, tuple) else namespace[name]


def _names(prefix, n):
    return ", ".join(f"{prefix}{i}" for i in range(n)) + ","


# Each kernel is compiled only when first needed: lengths come and go (the MLP's active
# units), and compiling is not free (about 1 ms each in Pyodide).

@cache
def dot_kernel(n):
    """dot(a, b) = a[0] * b[0] + ... + a[n-1] * b[n-1] (reads only the first n entries)."""
    return _compile(["def dot(a, b):",
                     *_sum_lines([f"a[{i}] * b[{i}]" for i in range(n)], "    "),
                     "    return s"], "dot")


@cache
def dot_rows_kernel(n):
    """dot_rows(rows, x) = [dot(row, x) for row in rows], for rows of exactly n."""
    return _compile(["def dot_rows(rows, x):",
                     f"    {_names('x', n)} = x",
                     "    out = []",
                     f"    for {_names('r', n)} in rows:",  # faster than indexing row n times
                     *_sum_lines([f"r{i} * x{i}" for i in range(n)], "        "),
                     "        out.append(s)",
                     "    return out"], "dot_rows")


@cache
def _table_kernel(n, m):
    """dot_table for m vectors B of length n, all of B's entries held in local names."""
    b = [[f"b{j}_{i}" for i in range(n)] for j in range(m)]
    dots = [" + ".join(f"a{i} * {bj[i]}" for i in range(n)) for bj in b]
    return _compile(["def dot_table(A, B):",
                     *(f"    {', '.join(bj)}, = B[{j}]" for j, bj in enumerate(b)),
                     "    out = []",
                     f"    for {_names('a', n)} in A:",
                     f"        out.append([{', '.join(dots)}])",
                     "    return out"], "dot_table")


def dot_table(A, B):
    """[[dot(a, b) for b in B] for a in A], for sequences A and B of vectors of one length."""
    n = len(B[0])
    if n > _TABLE_LENGTH or len(A) == 1:  # (one a: nothing to amortize)
        dot_rows = dot_rows_kernel(n)
        return [dot_rows(B, a) for a in A]
    # Table kernels take B a block at a time, each block's entries unpacked once into
    # local names; then every dot is pure arithmetic. This beats unpacking each b afresh
    # (dot_rows) by 10-40% for short vectors, as long as there are few enough names.
    per_block = _TABLE_LOCALS // n
    if len(B) <= per_block:
        return _table_kernel(n, len(B))(A, B)
    out = _table_kernel(n, per_block)(A, B[:per_block])
    for i in range(per_block, len(B), per_block):
        block = B[i:i + per_block]
        for row, part in zip(out, _table_kernel(n, len(block))(A, block)):
            row += part
    return out


@cache
def _causal_softmax_kernels(n_rows, n):
    """causal_softmax and its backward for n_rows queries over n positions, written out."""
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
            f"    inv_total = ({' + '.join(f'e{j}' for j in k)}) ** -1",
            f"    out.append([{', '.join(f'e{j} * inv_total' for j in k)}{zeros}])"]
        backward += [
            f"    {_names('a', n)} = A[{i}]",
            f"    {_names('d', n)} = dA[{i}]",
            f"    a_d = {' + '.join(f'a{j} * d{j}' for j in k)}",
            f"    out.append([{', '.join(f'a{j} * (d{j} - a_d) * scale' for j in k)}{zeros}])"]
    return _compile(forward + ["    return out"] + backward + ["    return out"],
                    ("causal_softmax", "causal_softmax_backward"))


@cache
def add_outer_kernel(n):
    """add_outer(rows, indices, coefs, x): rows[i] = rows[i] + c * x for each i and c, in
    place, for x of length n: a sparse rank-one update of a list of rows."""
    r, x = _names("r", n), _names("x", n)
    return _compile(["def add_outer(rows, indices, coefs, x):",
                     f"    {x} = x",
                     "    for i, c in zip(indices, coefs):",
                     f"        {r} = rows[i]",
                     f"        rows[i] = ({', '.join(f'r{j} + c * x{j}' for j in range(n))},)",
                     ], "add_outer")


@cache
def zeros(n):
    return (0.0,) * n


def transpose(M):
    return list(zip(*M))  # rows of tuples: the kernels read any sequence


@cache
def _add_kernel(n):
    a, b = _names("a", n), _names("b", n)
    return _compile(["def add(A, B):",
                     f"    return [({', '.join(f'a{i} + b{i}' for i in range(n))},)"
                     f" for ({a}), ({b}) in zip(A, B)]"], "add")


def add(A, B):
    """The rows of A plus the rows of B."""
    return _add_kernel(len(A[0]))(A, B)


# --- Layers, each forward beside its backward ----------------------------------------------

def embed(wte, wpe, tokens):
    """Token embedding plus position embedding, for tokens at positions 0, 1, ..."""
    return add([wte[token] for token in tokens], wpe)


def embed_backward(dX, tokens, wte, wpe):
    """Each row's gradient goes to its token's row of wte and its position's row of wpe."""
    dwte = [[0.0] * len(row) for row in wte]
    for token, dx in zip(tokens, dX):  # a token seen twice gets both gradients
        dwte[token] = [g + d for g, d in zip(dwte[token], dx)]
    dwpe = [list(dx) for dx in dX] + [[0.0] * len(row) for row in wpe[len(dX):]]
    return dwte, dwpe


@cache
def _rmsnorm_kernels(n):
    """rmsnorm and its backward for rows of n, written out."""
    x, y, dy, r = (_names(p, n) for p in ("x", "y", "g", "r"))
    return _compile([
        "def rmsnorm(X):",
        "    Y, scales = [], []",
        f"    for {x} in X:",
        *_sum_lines([f"x{i} * x{i}" for i in range(n)], "        "),
        f"        s = (s * {n ** -1!r} + 1e-5) ** -0.5",  # as Value: sum(...) / n is sum(...) * n**-1
        f"        Y.append(({', '.join(f'x{i} * s' for i in range(n))},))",
        "        scales.append(s)",
        "    return Y, scales",
        "",
        "def rmsnorm_backward(dY, Y, scales, R):",
        "    dX = []",
        f"    for ({dy}), ({y}), scale, ({r}) in zip(dY, Y, scales, R):",
        *_sum_lines([f"g{i} * y{i}" for i in range(n)], "        "),
        f"        c = s * {1 / n!r}",
        f"        dX.append(({', '.join(f'r{i} + scale * (g{i} - c * y{i})' for i in range(n))},))",
        "    return dX"], ("rmsnorm", "rmsnorm_backward"))


def rmsnorm(X):
    """Each row divided by its root mean square; also the scales, for the backward pass."""
    return _rmsnorm_kernels(len(X[0]))[0](X)


def rmsnorm_backward(dY, Y, scales, R):
    """R plus the gradient through rmsnorm: y = x * s with s = (mean(x*x) + eps)**-0.5, so
    dx = s * (dy - y * (dy . y) / n). (R is the residual stream's own gradient.)"""
    return _rmsnorm_kernels(len(Y[0]))[1](dY, Y, scales, R)


def linear(X, W):
    """Y[t] = W X[t]."""
    return dot_table(X, W)


def linear_backward(dY, X, W):
    """dX[t] = W^T dY[t], and dW[o][i] = sum over t of dY[t][o] * X[t][i]."""
    return dot_table(dY, transpose(W)), dot_table(transpose(dY), transpose(X))


def picker(indices):
    """A function that takes the entries at indices from a sequence, as a tuple."""
    if len(indices) == 1:
        i = indices[0]
        return lambda v: (v[i],)
    return itemgetter(*indices)


def mlp(X, W1, W2):
    """fc2(relu(fc1(x))) for each row x of X; also fc1's outputs and, per row, the hidden
    units the ReLU let through, for the backward pass.

    The ReLU zeroes half the hidden units at first and three quarters of them once trained,
    and a zero adds nothing to fc2's sums, so fc2 (and the backward pass) skip them: they
    sum the same nonzero terms in the same order, to the same floats.
    """
    H = linear(X, W1)
    units = range(len(W1))
    active = [[i for i in units if h[i] > 0.0] for h in H]
    W2T = transpose(W2)
    Y = []
    for h, act in zip(H, active):
        if act:
            pick = picker(act)
            # zip(*pick(W2T)) is W2 with only the active columns
            Y.append(dot_rows_kernel(len(act))(zip(*pick(W2T)), pick(h)))
        else:
            Y.append([0.0] * len(W2))  # as Value: a sum of zeros, starting from 0, is 0.0
    return Y, H, active


def mlp_backward(dY, X, W1, W2, H, active):
    """Returns dX, dW1, dW2. A hidden unit the ReLU stopped at position t passes no gradient
    back from t: not to x[t], and not to its rows of W1 and columns of W2."""
    W2T = transpose(W2)
    dot_rows_out = dot_rows_kernel(len(W2))
    add_outer_in, add_outer_out = add_outer_kernel(len(X[0])), add_outer_kernel(len(W2))
    dW1 = [zeros(len(X[0]))] * len(W1)
    dW2T = [zeros(len(W2))] * len(W1)  # dW2 column by column
    dX = []
    for x, dy, h, act in zip(X, dY, H, active):
        if not act:
            dX.append([0.0] * len(x))
            continue
        pick = picker(act)
        # d(loss)/d(hidden unit i) is W2[:, i] . dy for the units i the ReLU let through;
        dh = dot_rows_out(pick(W2T), dy)
        # dx = sum over those i of dh[i] * W1[i]
        dX.append(dot_rows_kernel(len(act))(zip(*pick(W1)), dh))
        add_outer_in(dW1, act, dh, x)  # dW1[i] += dh[i] * x
        add_outer_out(dW2T, act, pick(h), dy)  # dW2[:, i] += relu(h)[i] * dy
    return dX, dW1, transpose(dW2T)


@cache
def _softmax_kernel(n):
    e = _names("e", n)
    return _compile(["def softmax(logits):",
                     f"    {_names('l', n)} = logits",
                     "    top = max(logits)",  # subtracted for numerical safety only
                     f"    {e} = {', '.join(f'exp(l{i} - top)' for i in range(n))},",
                     *_sum_lines([f"e{i}" for i in range(n)], "    "),
                     "    inv_total = s ** -1",
                     f"    return [{', '.join(f'e{i} * inv_total' for i in range(n))}]"], "softmax")


def softmax(logits):
    """As reference.softmax on Values: exp(l - max), times total**-1 (a Value division)."""
    return _softmax_kernel(len(logits))(logits)


def causal_softmax(logits, scale):
    """Attention weights: for query rows at the last len(logits) of n positions (n being
    the rows' length), the softmax of each row's logits times scale, over the positions up
    to the query's own, as reference.softmax on Values; zero past them."""
    n_rows, n = len(logits), len(logits[0])
    if n <= _UNROLL:  # written out, three times faster than row by row
        return _causal_softmax_kernels(n_rows, n)[0](logits, scale)
    first = n - n_rows
    return [softmax([logit * scale for logit in row[:first + i + 1]]) + [0.0] * (n_rows - 1 - i)
            for i, row in enumerate(logits)]


def causal_softmax_backward(A, dA, scale):
    """d(loss)/d(logit) from the weights A and d(loss)/dA: a * (da - a . da) * scale."""
    if len(A) <= _UNROLL:
        return _causal_softmax_kernels(len(A), len(A))[1](A, dA, scale)
    dot = dot_kernel(len(A))
    dS = []
    for a, da in zip(A, dA):
        a_da = dot(a, da)
        dS.append([ai * (dai - a_da) * scale for ai, dai in zip(a, da)])
    return dS


def split_heads(M, n_head):
    """Each head's share of M's rows: [[m[hs:he] for m in M] for each head's slice hs:he]."""
    hd = len(M[0]) // n_head
    return [[m[hs:hs + hd] for m in M] for hs in range(0, len(M[0]), hd)]


def attention(Q, K_heads, VT_heads):
    """Causal multi-head attention. Per head, the query at position p mixes the values of
    positions 0..p, weighted by the softmax of its scaled dot products with their keys.

    K_heads[h] holds head h's keys for every position, and VT_heads[h] its values, one row
    per dimension. Q holds the last len(Q) positions' queries (in training, all of them;
    the decoder does the same for its newest position, on vectors).
    Returns the heads' outputs side by side, and weights[h][i], query i's softmax weights
    in head h over every position, zero past its own, for the backward pass.
    """
    hd = len(VT_heads[0])
    scale = (hd**0.5) ** -1  # as Value: x / hd**0.5 is x * (hd**0.5)**-1
    out = [[] for _ in Q]
    weights = []
    for hs, Kh, VhT in zip(range(0, len(Q[0]), hd), K_heads, VT_heads):
        # All of q . k at once, future positions too (cheaper than slicing), then per query:
        logits = dot_table([q[hs:hs + hd] for q in Q], Kh)
        A = causal_softmax(logits, scale)
        # out[i][j] = sum over s of A[i][s] * v[s][j]; the zero weights add nothing
        for row, head_out in zip(out, dot_table(A, VhT)):
            row += head_out
        weights.append(A)
    return out, weights


def attention_backward(dOut, Q, K, V, weights, n_head):
    """Training only (len(Q) == len(K)). Returns d(q|k|v), side by side, per position."""
    T, d = len(Q), len(Q[0])
    hd = d // n_head
    scale = (hd**0.5) ** -1
    QT, KT, dOutT = transpose(Q), transpose(K), transpose(dOut)
    dQ, dK, dV = [[] for _ in Q], [[] for _ in Q], [[] for _ in Q]
    for hs, A in zip(range(0, d, hd), weights):
        he = hs + hd
        # dA[t][s] = dout[t] . v[s]: how the loss moves with query t's weight on position s.
        dA = dot_table([do[hs:he] for do in dOut], [v[hs:he] for v in V])
        dS = causal_softmax_backward(A, dA, scale)  # dS[t][s] = d(loss)/d(q[t] . k[s])
        dQh = dot_table(dS, KT[hs:he])  # dq[t] = sum over s of dS[t][s] * k[s]
        dKh = dot_table(transpose(dS), QT[hs:he])  # dk[s] = sum over t of dS[t][s] * q[t]
        dVh = dot_table(transpose(A), dOutT[hs:he])  # dv[s] = sum over t of A[t][s] * dout[t]
        for t in range(T):
            dQ[t] += dQh[t]
            dK[t] += dKh[t]
            dV[t] += dVh[t]
    return [q + k + v for q, k, v in zip(dQ, dK, dV)]


def cross_entropy(logits, targets):
    """The mean of -log(softmax(logits[t])[targets[t]]); also the softmaxes."""
    probs = [softmax(row) for row in logits]
    total = 0.0
    for p, target in zip(probs, targets):
        total += -log(p[target])  # left to right, as sum() of Values adds
    return total * (1 / len(targets)), probs  # as Value: (1/n) * sum(losses)


def cross_entropy_backward(probs, targets):
    # d(-log p[target])/d(logit i) = p[i] - (i == target), and the mean divides by n.
    inv_n = 1 / len(targets)
    dlogits = [[p * inv_n for p in row] for row in probs]
    for row, target in zip(dlogits, targets):
        row[target] -= inv_n
    return dlogits


# --- The engine interface (see engines.py) ------------------------------------------------

def qkv_weights(weights, li):
    """The query, key and value projections stacked, so that one pass computes all three."""
    p = f"layer{li}."
    return weights[p + "attn_wq"] + weights[p + "attn_wk"] + weights[p + "attn_wv"]


def split3(rows, d):
    return [r[:d] for r in rows], [r[d:2 * d] for r in rows], [r[2 * d:] for r in rows]


def loss_and_grads(config, weights, tokens):
    """The mean next-token loss over one document, and d(loss)/d(each weight)."""
    n = min(config.block_size, len(tokens) - 1)
    inputs, targets = tokens[:n], tokens[1:n + 1]
    d, n_head = config.n_embd, config.n_head

    # Forward, over all positions at once, keeping what the backward pass needs.
    x_embed = embed(weights["wte"], weights["wpe"], inputs)
    x, scales0 = rmsnorm(x_embed)  # not redundant: the residual stream starts here
    x_first, layers = x, []
    for li in range(config.n_layer):
        p = f"layer{li}."
        w_qkv = qkv_weights(weights, li)
        xn1, scales1 = rmsnorm(x)
        Q, K, V = split3(linear(xn1, w_qkv), d)
        K_heads = split_heads(K, n_head)
        VT_heads = [transpose(Vh) for Vh in split_heads(V, n_head)]
        att, att_weights = attention(Q, K_heads, VT_heads)
        x_mid = add(linear(att, weights[p + "attn_wo"]), x)
        xn2, scales2 = rmsnorm(x_mid)
        y, h, active = mlp(xn2, weights[p + "mlp_fc1"], weights[p + "mlp_fc2"])
        layers.append((w_qkv, xn1, scales1, Q, K, V, att, att_weights, xn2, scales2, h, active))
        x = add(y, x_mid)
    logits = linear(x, weights["lm_head"])
    loss, probs = cross_entropy(logits, targets)

    # Backward, layer by layer in reverse.
    grads = {}
    dlogits = cross_entropy_backward(probs, targets)
    dx, grads["lm_head"] = linear_backward(dlogits, x, weights["lm_head"])
    for li in reversed(range(config.n_layer)):
        p = f"layer{li}."
        w_qkv, xn1, scales1, Q, K, V, att, att_weights, xn2, scales2, h, active = layers[li]
        # x_out = x_mid + fc2(relu(fc1(rmsnorm(x_mid))))
        dxn2, grads[p + "mlp_fc1"], grads[p + "mlp_fc2"] = mlp_backward(
            dx, xn2, weights[p + "mlp_fc1"], weights[p + "mlp_fc2"], h, active)
        dx_mid = rmsnorm_backward(dxn2, xn2, scales2, dx)
        # x_mid = x + wo(attention(qkv(rmsnorm(x))))
        datt, grads[p + "attn_wo"] = linear_backward(dx_mid, att, weights[p + "attn_wo"])
        dqkv = attention_backward(datt, Q, K, V, att_weights, n_head)
        dxn1, dw_qkv = linear_backward(dqkv, xn1, w_qkv)
        grads[p + "attn_wq"], grads[p + "attn_wk"], grads[p + "attn_wv"] = (
            dw_qkv[:d], dw_qkv[d:2 * d], dw_qkv[2 * d:])
        dx = rmsnorm_backward(dxn1, xn1, scales1, dx_mid)
    dx_embed = rmsnorm_backward(dx, x_first, scales0, [zeros(d)] * n)
    grads["wte"], grads["wpe"] = embed_backward(dx_embed, inputs, weights["wte"], weights["wpe"])
    return loss, {name: grads[name] for name in weights}


def decoder(config, weights):
    """A function from each next input token to the logits that follow it, for one sequence.

    It works on a copy of the weights (rows as tuples), as the reference decoder does, so
    training that goes on meanwhile doesn't change what it computes. It computes what
    loss_and_grads' forward pass does for one more position, on vectors rather than
    one-row matrices: per position, the glue costs as much as the arithmetic.
    """
    weights = {name: list(map(tuple, rows)) for name, rows in weights.items()}
    wte, wpe, lm_head = weights["wte"], weights["wpe"], weights["lm_head"]
    d, n_head = config.n_embd, config.n_head
    hd = d // n_head
    scale = (hd**0.5) ** -1  # as in attention()
    dot_rows_d, dot_rows_hd = dot_rows_kernel(d), dot_rows_kernel(hd)
    layers = [(qkv_weights(weights, li), weights[f"layer{li}.attn_wo"],
               weights[f"layer{li}.mlp_fc1"], weights[f"layer{li}.mlp_fc2"])
              for li in range(config.n_layer)]
    # The KV cache, per layer and head: each position's key, and the values one row per
    # dimension.
    keys = [[[] for _ in range(n_head)] for _ in range(config.n_layer)]
    values = [[[[] for _ in range(hd)] for _ in range(n_head)] for _ in range(config.n_layer)]
    position = 0

    def next_logits(token_id):
        nonlocal position
        x = [t + p for t, p in zip(wte[token_id], wpe[position])]
        position += 1
        dot_rows_seen = dot_rows_kernel(position)
        x = rmsnorm([x])[0][0]
        for (w_qkv, w_o, w_fc1, w_fc2), layer_keys, layer_values in zip(layers, keys, values):
            qkv = dot_rows_d(w_qkv, rmsnorm([x])[0][0])
            att = []
            for Kh, VhT, hs in zip(layer_keys, layer_values, range(0, d, hd)):
                Kh.append(qkv[d + hs:d + hs + hd])
                for v_j, v_sj in zip(VhT, qkv[2 * d + hs:2 * d + hs + hd]):
                    v_j.append(v_sj)
                logits = dot_rows_hd(Kh, qkv[hs:hs + hd])
                att += dot_rows_seen(VhT, softmax([logit * scale for logit in logits]))
            x = [a + b for a, b in zip(dot_rows_d(w_o, att), x)]
            y = mlp(rmsnorm([x])[0], w_fc1, w_fc2)[0][0]
            x = [a + b for a, b in zip(y, x)]
        return dot_rows_d(lm_head, x)

    return next_logits
