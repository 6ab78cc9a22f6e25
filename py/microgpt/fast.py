"""The fast engine: reference.py's GPT computed on plain lists of floats.

The reference engine makes every scalar a Value and walks the graph backwards. This engine
does the same arithmetic on lists of floats, with each layer's backward pass written by
hand as the pair of its forward pass, as llm.c does:

    out, cache = layer_forward(inputs, weights)
    d_inputs, d_weights = layer_backward(d_out, cache)

The cache holds what the backward pass needs from the forward pass. One walk through the
layers, forward(), serves everyone. Training sees a whole document at once, so the forward
pass runs layer by layer over all its positions, and loss_and_grads keeps each layer's cache
until backward(), layer by layer in reverse, has used it; nothing outlives the call. The
generation loop (inference) runs forward() on one position at a time, and keeps only the
KV cache: the keys and values of the positions before it.

A matrix is a list of rows; X[t] is position t's vector, W[o] is the weights of output o.
Shapes: T positions, C = n_embd, hd = C // n_head per head, vocab tokens.

Exactness: the forward pass does reference.py's float operations in reference.py's order
(the comments marked "as Value" point out the less obvious ones), so losses and logits are
bit for bit the reference engine's. Its sums may leave out terms that are exactly zero (the
ReLU's zeros) or add some at the end (attention weights past a query's position), and
start from their first term where Value sums start from 0: none of that changes a sum,
except perhaps the sign of one that is exactly zero, and no nonzero result can tell.
The backward pass adds the same terms in other orders, so gradients agree to rounding
(about 1e-16, relative). Training updates the weights with FusedAdam (optimizer.py): the
same Adam in fewer float operations, equal to rounding too.

Speed, chosen by measuring CPython 3.11 and Pyodide (Python 3.14 in WebAssembly): the
arithmetic runs in kernels (kernels.py), straight-line code compiled per vector length;
the positions of a document go through each layer together, so each weight matrix is read
once per layer, not once per position; the query, key and value projections run as one
stacked matrix; and the MLP skips the hidden units the ReLU zeroed, reading fc2 transposed
(once per step, or per name) to pick their columns. The caches are slotted dataclasses,
the cheapest named type to make: generation makes and drops ten per position.
"""
from dataclasses import dataclass
from functools import cache
from math import log
from operator import itemgetter
from typing import NamedTuple

from .kernels import (add, add_outer_kernel, causal_softmax, causal_softmax_backward,
                      dot_rows_kernel, dot_table, rmsnorm_kernels, softmax)
from .optimizer import FusedAdam as Optimizer  # the same Adam, in fewer float operations


def transpose(M):
    return list(zip(*M))  # rows of tuples: the kernels read any sequence


@cache
def zeros(n):
    return (0.0,) * n


# --- Embedding ----------------------------------------------------------------------------

@dataclass(slots=True)
class EmbeddingCache:
    tokens: list  # (T,) the input tokens
    wte: list  # (vocab, C) the token embeddings
    wpe: list  # (positions, C) the position embeddings, from the first token's position


def embedding_forward(wte, wpe, tokens):
    """X[t] = wte[tokens[t]] + wpe[t]: each token's embedding plus its position's."""
    X = add([wte[token] for token in tokens], wpe)  # (T, C)
    return X, EmbeddingCache(tokens, wte, wpe)


def embedding_backward(dX, cache):
    """dwte, dwpe: each row's gradient goes to its token's row of wte and its position's
    row of wpe."""
    dwte = [[0.0] * len(row) for row in cache.wte]
    for token, dx in zip(cache.tokens, dX):  # a token seen twice gets both gradients
        dwte[token] = [g + d for g, d in zip(dwte[token], dx)]
    dwpe = [list(dx) for dx in dX] + [[0.0] * len(row) for row in cache.wpe[len(dX):]]
    return dwte, dwpe


# --- RMSNorm ------------------------------------------------------------------------------

@dataclass(slots=True)
class RMSNormCache:
    Y: list  # (T, C) the outputs
    scales: list  # (T,) each row's s = (mean(x * x) + 1e-5)**-0.5


def rmsnorm_forward(X):
    """Y[t] = X[t] * s: each row divided by its root mean square."""
    Y, scales = rmsnorm_kernels(len(X[0]))[0](X)
    return Y, RMSNormCache(Y, scales)


def rmsnorm_backward(dY, cache):
    """dX: y = x * s with s = (mean(x * x) + eps)**-0.5, so dx = s * (dy - y * (dy . y) / C)."""
    return rmsnorm_kernels(len(dY[0]))[1](dY, cache.Y, cache.scales)


# --- Linear -------------------------------------------------------------------------------

@dataclass(slots=True)
class LinearCache:
    X: list  # (T, C_in) the inputs
    W: list  # (C_out, C_in) the weights


def linear_forward(X, W):
    """Y[t] = W X[t]."""
    return dot_table(X, W), LinearCache(X, W)


def linear_backward(dY, cache):
    """dX, dW: dX[t] = W^T dY[t], and dW[o][i] = sum over t of dY[t][o] * X[t][i]."""
    return dot_table(dY, transpose(cache.W)), dot_table(transpose(dY), transpose(cache.X))


# --- Attention ----------------------------------------------------------------------------

@dataclass(slots=True)
class AttentionCache:
    qkv: list  # (T, 3C) each position's query, key and value, side by side
    weights: list  # (n_head, T, positions) per head, query t's softmax weights, zero past t


def attention_forward(qkv, n_head, keys, values):
    """Causal multi-head attention over the newest T positions, whose queries, keys and
    values are qkv (T, 3C). Per head, the query at position p mixes the values of positions
    0..p, weighted by the softmax of its scaled dot products with their keys.

    keys and values are one layer's KV cache, as microgpt.py keeps it: each position's key
    (and value) vector of C, all heads side by side. They hold the positions before these
    (none in training, where a document starts at position 0; the name so far in the
    generation loop), and these join them."""
    C = len(qkv[0]) // 3
    hd = C // n_head
    for r in qkv:
        keys.append(r[C:2 * C])
        values.append(r[2 * C:])
    values_by_channel = transpose(values)  # (C, positions): head h's are rows hs:hs+hd
    scale = (hd**0.5) ** -1  # as Value: x / hd**0.5 is x * (hd**0.5)**-1
    out = [[] for _ in qkv]  # (T, C): the heads' outputs side by side
    weights = []
    for hs in range(0, C, hd):
        # Every q . k at once, future positions too (cheaper than slicing), then per query:
        logits = dot_table([r[hs:hs + hd] for r in qkv], [k[hs:hs + hd] for k in keys])
        A = causal_softmax(logits, scale)
        # out[t][j] = sum over s of A[t][s] * v[s][j]; the zero weights add nothing
        for row, head_out in zip(out, dot_table(A, values_by_channel[hs:hs + hd])):
            row += head_out
        weights.append(A)
    return out, AttentionCache(qkv, weights)


def attention_backward(dout, cache):
    """dqkv (T, 3C): d(loss)/d(each position's query, key and value), side by side."""
    qkv, weights = cache.qkv, cache.weights
    T, C = len(qkv), len(dout[0])
    hd = C // len(weights)
    scale = (hd**0.5) ** -1
    qkvT, doutT = transpose(qkv), transpose(dout)
    dQ, dK, dV = [[] for _ in qkv], [[] for _ in qkv], [[] for _ in qkv]
    for hs, A in zip(range(0, C, hd), weights):
        ks, vs = C + hs, 2 * C + hs  # where the head's key and value start in a row of qkv
        # dA[t][s] = dout[t] . v[s]: how the loss moves with query t's weight on position s.
        dA = dot_table([do[hs:hs + hd] for do in dout], [r[vs:vs + hd] for r in qkv])
        dS = causal_softmax_backward(A, dA, scale)  # dS[t][s] = d(loss)/d(q[t] . k[s])
        dQh = dot_table(dS, qkvT[ks:ks + hd])  # dq[t] = sum over s of dS[t][s] * k[s]
        dKh = dot_table(transpose(dS), qkvT[hs:hs + hd])  # dk[s] = sum over t of dS[t][s] * q[t]
        dVh = dot_table(transpose(A), doutT[hs:hs + hd])  # dv[s] = sum over t of A[t][s] * dout[t]
        for t in range(T):
            dQ[t] += dQh[t]
            dK[t] += dKh[t]
            dV[t] += dVh[t]
    return [dq + dk + dv for dq, dk, dv in zip(dQ, dK, dV)]


# --- MLP ----------------------------------------------------------------------------------

@dataclass(slots=True)
class MLPCache:
    X: list  # (T, C) the inputs
    W1: list  # (4C, C) fc1's weights
    W2T: list  # (4C, C) fc2's weights, transposed
    H: list  # (T, 4C) fc1's outputs, before the ReLU
    active: list  # (T, *) per position, the hidden units the ReLU let through


def picker(indices):
    """A function that takes the entries at indices from a sequence, as a tuple."""
    if len(indices) == 1:
        i = indices[0]
        return lambda v: (v[i],)
    return itemgetter(*indices)


def mlp_forward(X, W1, W2T):
    """Y[t] = W2 relu(W1 X[t]), given W2 transposed (W2T[i] is what hidden unit i feeds).

    The ReLU zeroes half the hidden units at first and three quarters of them once trained,
    and a zero adds nothing to fc2's sums, so fc2 (and the backward pass) skip them: they
    sum the same nonzero terms in the same order, to the same floats.
    """
    H = dot_table(X, W1)
    units = range(len(W1))
    active = [[i for i in units if h[i] > 0.0] for h in H]
    Y = []
    for h, act in zip(H, active):
        if act:
            pick = picker(act)
            # zip(*pick(W2T)) is W2 with only the active columns
            Y.append(dot_rows_kernel(len(act))(zip(*pick(W2T)), pick(h)))
        else:
            Y.append([0.0] * len(W2T[0]))  # as Value: a sum of zeros, starting from 0, is 0.0
    return Y, MLPCache(X, W1, W2T, H, active)


def mlp_backward(dY, cache):
    """dX, dW1, dW2T. A hidden unit the ReLU stopped at position t passes no gradient back
    from t: not to x[t], and not to its rows of W1 and W2T."""
    X, W1, W2T, H, active = cache.X, cache.W1, cache.W2T, cache.H, cache.active
    C_in, C_out = len(X[0]), len(W2T[0])
    dot_rows_out = dot_rows_kernel(C_out)
    add_outer_in, add_outer_out = add_outer_kernel(C_in), add_outer_kernel(C_out)
    dW1 = [zeros(C_in)] * len(W1)
    dW2T = [zeros(C_out)] * len(W1)
    dX = []
    for x, dy, h, act in zip(X, dY, H, active):
        if not act:
            dX.append([0.0] * C_in)
            continue
        pick = picker(act)
        # d(loss)/d(hidden unit i) is W2T[i] . dy for the units i the ReLU let through;
        dh = dot_rows_out(pick(W2T), dy)
        # dx = sum over those i of dh[i] * W1[i]
        dX.append(dot_rows_kernel(len(act))(zip(*pick(W1)), dh))
        add_outer_in(dW1, act, dh, x)  # dW1[i] += dh[i] * x
        add_outer_out(dW2T, act, pick(h), dy)  # dW2T[i] += relu(h)[i] * dy
    return dX, dW1, dW2T


# --- Cross-entropy ------------------------------------------------------------------------

@dataclass(slots=True)
class CrossEntropyCache:
    probs: list  # (T, vocab) the softmax of each position's logits
    targets: list  # (T,) the tokens that come next


def cross_entropy_forward(logits, targets):
    """The mean over positions of -log(softmax(logits[t])[targets[t]])."""
    probs = [softmax(row) for row in logits]
    total = 0.0
    for p, target in zip(probs, targets):
        total += -log(p[target])  # left to right, as sum() of Values adds
    loss = total * (1 / len(targets))  # as Value: (1/n) * sum(losses)
    return loss, CrossEntropyCache(probs, targets)


def cross_entropy_backward(dloss, cache):
    """dlogits: d(-log p[target])/d(logit i) = p[i] - (i == target), and the mean divides
    by T."""
    scale = dloss * (1 / len(cache.targets))
    dlogits = [[p * scale for p in row] for row in cache.probs]
    for row, target in zip(dlogits, cache.targets):
        row[target] -= scale
    return dlogits


# --- Transformer block --------------------------------------------------------------------

class BlockWeights(NamedTuple):
    """One block's weights as the forward pass reads them, or their gradients."""
    qkv: list  # (3C, C) attn_wq, attn_wk and attn_wv stacked, so one pass computes all three
    wo: list  # (C, C) attn_wo
    fc1: list  # (4C, C) mlp_fc1
    fc2T: list  # (4C, C) mlp_fc2 transposed, as the MLP picks the active units' columns


def block_weights(weights, li):
    """Block li's weights, from the weights by name."""
    p = f"layer{li}."
    return BlockWeights(weights[p + "attn_wq"] + weights[p + "attn_wk"] + weights[p + "attn_wv"],
                        weights[p + "attn_wo"], weights[p + "mlp_fc1"],
                        transpose(weights[p + "mlp_fc2"]))


def block_grads(dw, li):
    """Block li's gradients by weight name: dqkv split back into three, dfc2T transposed."""
    p, C = f"layer{li}.", len(dw.wo)
    return {p + "attn_wq": dw.qkv[:C], p + "attn_wk": dw.qkv[C:2 * C],
            p + "attn_wv": dw.qkv[2 * C:], p + "attn_wo": dw.wo,
            p + "mlp_fc1": dw.fc1, p + "mlp_fc2": transpose(dw.fc2T)}


@dataclass(slots=True)
class BlockCache:
    norm1: RMSNormCache  # rmsnorm(x), attention's input
    qkv: LinearCache  # the query, key and value projections
    attention: AttentionCache
    wo: LinearCache  # attention's output projection
    norm2: RMSNormCache  # rmsnorm(x_mid), the MLP's input
    mlp: MLPCache


def block_forward(x, w, n_head, keys, values):
    """One transformer block, x (T, C) -> (T, C): attention (over the KV cache keys and
    values, which these positions join), then the MLP, each reading the rmsnorm of the
    residual stream and adding its output to it."""
    xn, norm1 = rmsnorm_forward(x)
    qkv, qkv_cache = linear_forward(xn, w.qkv)
    att, attention = attention_forward(qkv, n_head, keys, values)
    att_out, wo = linear_forward(att, w.wo)
    x_mid = add(x, att_out)  # the residual stream
    xn, norm2 = rmsnorm_forward(x_mid)
    mlp_out, mlp = mlp_forward(xn, w.fc1, w.fc2T)
    x_out = add(x_mid, mlp_out)
    return x_out, BlockCache(norm1, qkv_cache, attention, wo, norm2, mlp)


def block_backward(dx_out, cache):
    """dx, and the block's weight gradients as BlockWeights."""
    # x_out = x_mid + mlp(rmsnorm(x_mid)): the gradient reaches x_mid along both paths.
    dxn, dfc1, dfc2T = mlp_backward(dx_out, cache.mlp)
    dx_mid = add(dx_out, rmsnorm_backward(dxn, cache.norm2))
    # x_mid = x + wo(attention(qkv(rmsnorm(x)))): likewise.
    datt, dwo = linear_backward(dx_mid, cache.wo)
    dqkv = attention_backward(datt, cache.attention)
    dxn, dw_qkv = linear_backward(dqkv, cache.qkv)
    dx = add(dx_mid, rmsnorm_backward(dxn, cache.norm1))
    return dx, BlockWeights(dw_qkv, dwo, dfc1, dfc2T)


# --- The whole model ----------------------------------------------------------------------

class GPTWeights(NamedTuple):
    """The weights as the forward pass reads them."""
    wte: list  # (vocab, C)
    wpe: list  # (block_size, C)
    blocks: list  # (n_layer,) BlockWeights
    lm_head: list  # (vocab, C)


def gpt_weights(config, weights, frozen=False):
    """The weights by name, laid out for forward(). frozen: a copy, rows as tuples, so that
    training going on meanwhile doesn't change what it computes (as the reference engine's
    Values don't change)."""
    def copy(matrix):
        return list(map(tuple, matrix)) if frozen else matrix  # (fc2T's rows are new tuples already)
    blocks = [block_weights(weights, li) for li in range(config.n_layer)]
    return GPTWeights(copy(weights["wte"]), copy(weights["wpe"]),
                      [BlockWeights(*map(copy, w)) for w in blocks] if frozen else blocks, copy(weights["lm_head"]))


@dataclass(slots=True)
class GPTCache:
    """What forward() keeps for the backward pass (and for whoever looks inside)."""
    embedding: EmbeddingCache
    norm0: RMSNormCache  # the residual stream's first rmsnorm
    blocks: list  # (n_layer,) BlockCache; blocks[li].attention.weights is layer li's attention
    lm_head: LinearCache


def forward(w, n_head, tokens, pos_id=0, keys=None, values=None):
    """The logits (T, vocab) that follow each of tokens, at positions pos_id.., and the cache.

    One walk through the layers, for every caller: training passes a whole document from
    position 0, with an empty KV cache; the generation loop passes one token at a time,
    with its own keys and values (one list per layer), which the position joins."""
    if keys is None:
        keys, values = [[] for _ in w.blocks], [[] for _ in w.blocks]
    x, embedding = embedding_forward(w.wte, w.wpe[pos_id:], tokens)
    x, norm0 = rmsnorm_forward(x)  # not redundant: the residual stream starts here
    blocks = []
    for block_w, layer_keys, layer_values in zip(w.blocks, keys, values):
        x, block = block_forward(x, block_w, n_head, layer_keys, layer_values)
        blocks.append(block)
    logits, lm_head = linear_forward(x, w.lm_head)
    return logits, GPTCache(embedding, norm0, blocks, lm_head)


def backward(dlogits, cache):
    """d(loss)/d(each weight), by name, from d(loss)/d(logits): the layers of forward() in reverse."""
    grads = {}
    dx, grads["lm_head"] = linear_backward(dlogits, cache.lm_head)
    for li in reversed(range(len(cache.blocks))):
        dx, dw = block_backward(dx, cache.blocks[li])
        grads.update(block_grads(dw, li))
    dx = rmsnorm_backward(dx, cache.norm0)
    grads["wte"], grads["wpe"] = embedding_backward(dx, cache.embedding)
    return grads


# --- The engine interface (see engines.py) ------------------------------------------------

def loss_and_grads(config, weights, tokens):
    """The mean next-token loss over one document, and d(loss)/d(each weight)."""
    (loss, cross_entropy), cache = loss_forward(config, weights, tokens)
    grads = backward(cross_entropy_backward(1.0, cross_entropy), cache)
    return loss, {name: grads[name] for name in weights}


def loss(config, weights, tokens):
    """The forward pass alone: the loss."""
    return loss_forward(config, weights, tokens)[0][0]


def loss_forward(config, weights, tokens):
    """The loss over one document with cross-entropy's cache, and the layers' cache."""
    T = min(config.block_size, len(tokens) - 1)
    inputs, targets = tokens[:T], tokens[1:T + 1]
    logits, cache = forward(gpt_weights(config, weights), config.n_head, inputs)
    return cross_entropy_forward(logits, targets), cache


def inference(config, weights):
    """microgpt.py's gpt(token_id, pos_id, keys, values): the logits that follow token_id at
    pos_id, the position joining the KV cache keys and values (a list per layer). With
    attention, a list, it also gets each layer's attention weights [layer][head][position].
    It reads a copy of the weights made now, as the reference engine does."""
    w = gpt_weights(config, weights, frozen=True)

    def gpt(token_id, pos_id, keys, values, attention=None):
        logits, cache = forward(w, config.n_head, [token_id], pos_id, keys, values)
        if attention is not None:
            attention.extend([A[0] for A in block.attention.weights] for block in cache.blocks)
        return logits[0]

    return gpt
