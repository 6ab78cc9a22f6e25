"""The reference engine: microgpt.py's GPT, computed one scalar Value at a time.

This is the teaching engine. Every addition and multiplication is a node in a graph,
and backward() walks that graph to find each weight's gradient. It is slow, and it is
the definition of what the fast engine (fast.py) must compute.
"""
from .autograd import Value
from .optimizer import Adam as Optimizer  # microgpt.py's, float operation for float operation


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    max_val = max(val.data for val in logits)  # subtracted for numerical safety only
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(params, config, token_id, pos_id, keys, values, attention=None):
    """Logits for the token after token_id at pos_id; appends this position to the KV cache.
    attention, if a list, gets each layer's list of each head's attention weights."""
    head_dim = config.head_dim
    tok_emb = params["wte"][token_id]
    pos_emb = params["wpe"][pos_id]
    x = [t + p for t, p in zip(tok_emb, pos_emb)]
    x = rmsnorm(x)  # not redundant: the residual stream below starts from here

    for li in range(config.n_layer):
        # 1) Multi-head attention: each head looks back over the cached keys and values.
        x_residual = x
        x = rmsnorm(x)
        q = linear(x, params[f"layer{li}.attn_wq"])
        k = linear(x, params[f"layer{li}.attn_wk"])
        v = linear(x, params[f"layer{li}.attn_wv"])
        keys[li].append(k)
        values[li].append(v)
        x_attn = []
        if attention is not None:
            attention.append([])
        for h in range(config.n_head):
            hs = h * head_dim
            q_h = q[hs:hs + head_dim]
            k_h = [ki[hs:hs + head_dim] for ki in keys[li]]
            v_h = [vi[hs:hs + head_dim] for vi in values[li]]
            attn_logits = [sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5
                           for t in range(len(k_h))]
            attn_weights = softmax(attn_logits)
            if attention is not None:
                attention[-1].append([w.data for w in attn_weights])
            head_out = [sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h)))
                        for j in range(head_dim)]
            x_attn.extend(head_out)
        x = linear(x_attn, params[f"layer{li}.attn_wo"])
        x = [a + b for a, b in zip(x, x_residual)]
        # 2) MLP: widen 4x, ReLU, narrow back.
        x_residual = x
        x = rmsnorm(x)
        x = linear(x, params[f"layer{li}.mlp_fc1"])
        x = [xi.relu() for xi in x]
        x = linear(x, params[f"layer{li}.mlp_fc2"])
        x = [a + b for a, b in zip(x, x_residual)]

    return linear(x, params["lm_head"])


def as_values(weights):
    return {name: [[Value(x) for x in row] for row in rows] for name, rows in weights.items()}


def empty_cache(config):
    return [[] for _ in range(config.n_layer)], [[] for _ in range(config.n_layer)]


def loss_and_grads(config, weights, tokens):
    """The mean next-token loss over one document, and d(loss)/d(each weight)."""
    params = as_values(weights)
    loss = loss_graph(params, config, tokens)
    loss.backward()
    grads = {name: [[p.grad for p in row] for row in rows] for name, rows in params.items()}
    return loss.data, grads


def loss(config, weights, tokens):
    """The forward pass alone: the loss, as a Value whose graph reaches every weight."""
    return loss_graph(as_values(weights), config, tokens)


def loss_graph(params, config, tokens):
    """The mean next-token loss over one document, a Value computed from params."""
    n = min(config.block_size, len(tokens) - 1)
    keys, values = empty_cache(config)
    losses = []
    for pos_id in range(n):
        token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
        logits = gpt(params, config, token_id, pos_id, keys, values)
        probs = softmax(logits)
        losses.append(-probs[target_id].log())
    return (1 / n) * sum(losses)


def inference(config, weights):
    """microgpt.py's gpt(token_id, pos_id, keys, values), on Values made from the weights now:
    the logits (as floats) that follow token_id at pos_id, the position joining the KV cache.
    With attention, a list, it also gets each layer's attention weights [layer][head][position]."""
    params = as_values(weights)

    def next_logits(token_id, pos_id, keys, values, attention=None):
        return [logit.data for logit in gpt(params, config, token_id, pos_id, keys, values, attention)]

    return next_logits
