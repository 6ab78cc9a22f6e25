import ast
import io
import math
import random
import tokenize
import types

import pytest

from microgpt import GPTConfig, MicrogptError, Trainer, sample, sample_name
from microgpt.engines import get_engine
from microgpt.sampler import STEPS, log_prob, loop_source, loop_steps, new_name, probabilities, run

from helpers import DATA

DOCS = (DATA / "elements.txt").read_text(encoding="utf-8").split()


def untrained(block_size, seed=0):
    return Trainer.new(DOCS, GPTConfig(block_size=block_size), num_steps=1, seed=seed, engine="reference")


def test_the_loop_is_a_generator_of_turns_that_returns_the_name():
    trainer = untrained(block_size=8)
    stream = new_name(trainer.model, trainer.engine, 1.0, trainer.rng)
    assert isinstance(stream, types.GeneratorType)
    turn = next(stream)  # a token is available before the name is finished
    assert turn.pos == 0 and 0 <= turn.token_id < trainer.model.tokenizer.vocab_size
    assert len(turn.probs) == len(turn.logits) == trainer.model.tokenizer.vocab_size
    assert sum(turn.probs) == pytest.approx(1.0)
    turns, name = run(stream)
    tokens = [turn.token_id] + [t.token_id for t in turns]
    assert name == "".join(trainer.model.tokenizer.chars[t] for t in tokens if t != trainer.model.tokenizer.bos)


def test_the_loop_hands_the_model_the_token_the_position_and_the_kv_cache():
    """gpt(token_id, pos_id, keys, values), as in microgpt.py: a list per layer, kept across the
    turns of one name; each drawn token is the next turn's input; BOS ends the name."""
    model = untrained(block_size=8).model
    model = types.SimpleNamespace(config=GPTConfig(n_layer=2, block_size=8), tokenizer=model.tokenizer)
    BOS = model.tokenizer.bos
    calls = []

    def gpt(token_id, pos_id, keys, values):
        calls.append((token_id, pos_id, [len(layer) for layer in keys], keys, values))
        for layer in keys + values:
            layer.append(pos_id)
        favourite = BOS if pos_id == 2 else pos_id  # tokens 0, 1, then BOS: certain at these logits
        return [50.0 if i == favourite else 0.0 for i in range(model.tokenizer.vocab_size)]

    turns, name = run(sample(gpt, model, 1.0, random.Random(0)))
    assert name == model.tokenizer.chars[0] + model.tokenizer.chars[1]
    assert [(token, pos, lengths) for token, pos, lengths, _, _ in calls] == [(BOS, 0, [0, 0]), (0, 1, [1, 1]),
                                                                               (1, 2, [2, 2])]
    assert len({id(keys) for *_, keys, _ in calls}) == 1  # one cache for the whole name
    assert [t.token_id for t in turns] == [0, 1, BOS]


def test_the_loop_never_exceeds_block_size():
    trainer = untrained(block_size=3)
    lengths = [len(sample_name(trainer.model, trainer.engine, 5.0, trainer.rng)) for _ in range(60)]
    assert max(lengths) == 3  # untrained and hot: names run to the limit, never past it


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_bad_temperature_is_refused(temperature):
    trainer = untrained(block_size=3)
    with pytest.raises(MicrogptError, match="temperature"):
        next(new_name(trainer.model, trainer.engine, temperature, trainer.rng))


def test_float_softmax_is_bitwise_the_value_softmax():
    from microgpt import reference
    from microgpt.autograd import Value
    rng = random.Random(5)
    for _ in range(50):
        logits = [rng.gauss(0, 3) for _ in range(30)]
        t = rng.choice([0.5, 0.8, 1.0, 1.7])
        expected = [p.data for p in reference.softmax([Value(x) / t for x in logits])]
        assert probabilities(logits, t) == expected


def trained(engine, steps=20, block_size=8):
    trainer = Trainer.new(DOCS, GPTConfig(block_size=block_size), num_steps=steps, seed=3, engine=engine)
    while not trainer.done:
        trainer.step()
    return trainer


def test_tracing_changes_nothing_and_both_engines_show_the_same_insides():
    """Per turn: the logits, the probabilities, every layer's and head's attention weights
    and the KV cache's length, the same from both engines; and the same names as without."""
    model = trained("fast").model
    for seed in range(4):
        plain, plain_name = run(new_name(model, get_engine("fast"), 0.7, random.Random(seed)))
        traces = {"fast": [], "reference": []}
        for engine, trace in traces.items():
            turns, name = run(new_name(model, get_engine(engine), 0.7, random.Random(seed), trace=trace))
            assert name == plain_name
            assert [t.token_id for t in turns] == [t.token_id for t in plain]
            assert [t.probs for t in turns] == [t.probs for t in plain]
            assert [t.logits for t in turns] == [t.logits for t in plain]  # the forward pass is bit for bit the reference's
            assert len(trace) == len(turns)
        for pos, (f, r) in enumerate(zip(traces["fast"], traces["reference"])):
            assert len(f) == model.config.n_layer and len(f[0]) == model.config.n_head
            for f_heads, r_heads in zip(f, r):
                for f_row, r_row in zip(f_heads, r_heads):
                    assert len(f_row) == pos + 1  # the KV cache: one key per position so far
                    assert f_row == pytest.approx(r_row, rel=1e-12, abs=1e-15)
                    assert sum(f_row) == pytest.approx(1.0)


def test_a_prefix_is_fed_not_drawn():
    model, engine = trained("fast").model, get_engine("fast")
    turns, name = run(new_name(model, engine, 0.5, random.Random(1), prefix="bo"))
    assert name.startswith("bo")
    assert [model.tokenizer.chars[t.token_id] for t in turns[:2]] == ["b", "o"]
    # The prefix draws nothing: the first draw after it is the rng's first draw.
    rng = random.Random(1)
    first_draw = rng.choices(range(model.tokenizer.vocab_size), weights=turns[2].probs)[0]
    assert turns[2].token_id == first_draw
    assert log_prob(turns, given=2) == pytest.approx(sum(math.log(t.probs[t.token_id]) for t in turns[2:]))
    assert log_prob(turns, given=2) != pytest.approx(log_prob(turns))


@pytest.mark.parametrize("prefix, fragment", [("bé", "never saw"), ("b" * 9, "longer than the block size"),
                                              ("x" * 33, "at most 32")])
def test_a_prefix_the_model_cannot_take_is_refused(prefix, fragment):
    model = untrained(block_size=8).model
    with pytest.raises(MicrogptError, match=fragment):
        new_name(model, get_engine("fast"), 0.5, random.Random(0), prefix=prefix)


def test_a_prefix_as_long_as_the_block_is_the_whole_name():
    model = untrained(block_size=5).model
    turns, name = run(new_name(model, get_engine("fast"), 0.5, random.Random(0), prefix="boron"))
    assert name == "boron" and len(turns) == 5 and log_prob(turns, given=5) == 0


def code_lines(lines):
    """The lines of code among lines: not blank, not only a comment, not the docstring."""
    source = "\n".join(lines) + "\n"
    docstring = ast.parse(source).body[0].body[0]
    skip = set(range(docstring.lineno, docstring.end_lineno + 1))
    comments = {token.start[0] for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT and not source.splitlines()[token.start[0] - 1].split("#")[0].strip()}
    return [line for n, line in enumerate(lines, 1) if line.strip() and n not in skip and n not in comments]


def test_the_loop_source_is_the_running_code_at_most_16_lines_with_its_steps_found():
    source = loop_source()
    lines = source["lines"]
    assert lines[0].startswith("def sample(")
    assert len(code_lines(lines)) <= 16, code_lines(lines)
    expected = {"start": "token_id = BOS", "model": "logits = gpt(token_id, pos_id, keys, values)",
                "temperature": "* temperature**-1", "softmax": "probs = softmax(scaled)", "draw": "rng.choices",
                "stop-check": "if token_id == BOS", "done": "break", "append": "name.append"}
    assert sorted(source["steps"]) == sorted(STEPS)
    for step, code in expected.items():
        assert code in lines[source["steps"][step]], (step, lines[source["steps"][step]])


def test_the_steps_are_found_by_the_code_s_structure_in_any_edit_of_the_loop():
    edited = """def sample(gpt, model, temperature, rng):
    keys, values = [[]], [[]]
    token_id = model.tokenizer.bos
    name = []
    for pos_id in range(model.config.block_size):
        probs = softmax([l / temperature for l in gpt(token_id, pos_id, keys, values)])
        token_id = max(range(len(probs)), key=probs.__getitem__)
        name.append(token_id)
    return name
"""
    steps = loop_steps(ast.parse(edited))
    assert steps == {"start": 2, "model": 5, "temperature": 5, "softmax": 5, "append": 7}  # no draw, no stop
