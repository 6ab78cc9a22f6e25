"""The lesson's numbers (py/microgpt/lesson.py), on CPython: each claim the page makes, checked."""
import math

import pytest

from microgpt import MicrogptError, fast
from microgpt.model import GPTConfig
from microgpt.sampler import softmax
from microgpt.session import Session

from helpers import DATA

SHAPE = dict(n_embd=8, n_head=2, n_layer=2, block_size=6)


def trained(engine="fast", steps=15):
    session = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    session.start_training(steps=steps, seed=3, engine=engine, **SHAPE)
    while session.train(seconds=1.0)["step"] < steps:
        pass
    return session


def stepped(session, turns, seed=4, **sampling):
    session.inspect_start(temperature=0.8, seed=seed, **sampling)
    for _ in range(turns):
        session.inspect_step()
    return session.lesson()


@pytest.fixture(scope="module")
def session():
    return trained()


def test_before_a_name_the_lesson_speaks_of_the_model_alone(session):
    shown = session.lesson()
    assert shown["num_params"] == sum(len(row) for rows in session.run.model.weights.values() for row in rows)
    assert (shown["steps_trained"], shown["num_steps"], shown["engine"]) == (15, 15, "fast")
    assert shown["tokens"][-1] == "BOS" and "turns" not in shown


def test_each_turn_feeds_its_output_in_as_the_next_input(session):
    shown = stepped(session, 4)
    turns = shown["turns"]
    assert [turn["pos"] for turn in turns] == [0, 1, 2, 3]
    assert turns[0]["input"] == "BOS"
    assert [turn["input"] for turn in turns[1:]] == [turn["output"] for turn in turns[:-1]]


def test_the_cache_holds_a_key_and_a_value_per_layer_and_position_as_the_model_computes_them(session):
    shown = stepped(session, 3)
    inputs = [session.run.model.tokenizer.bos] + session.stepper.tokens[:2]
    config = session.run.model.config
    _, cache = fast.forward(fast.gpt_weights(config, session.run.model.weights), config.n_head, inputs)
    C = config.n_embd
    for vector in shown["kv"]:
        qkv = cache.blocks[vector["layer"]].attention.qkv[vector["pos"]]
        start = C if vector["kind"] == "key" else 2 * C
        assert vector["values"] == qkv[start:start + C]
    assert len(shown["kv"]) == 2 * config.n_layer * 3


def test_the_softmax_of_the_query_key_scores_is_the_attention(session):
    shown = stepped(session, 3)
    for layer_scores, layer_attention in zip(shown["scores"], shown["attention"]):
        for scores, weights in zip(layer_scores, layer_attention):
            assert len(scores) == 3
            assert softmax(scores) == pytest.approx(weights, rel=1e-12, abs=1e-15)


def test_without_the_cache_the_logits_are_the_same_and_the_cost_is_the_sum_of_the_costs_with_it(session):
    shown = stepped(session, 5, seed=11)
    costs = shown["costs"]
    assert all(row["same_logits"] for row in costs)
    assert [row["without"] for row in costs] == [sum(r["with"] for r in costs[:i + 1]) for i in range(len(costs))]
    config, V = GPTConfig(**SHAPE), session.run.model.tokenizer.vocab_size
    C = config.n_embd
    # with the cache, per position: 12 C^2 + 2 (pos + 1) C per layer, and the logits
    assert [row["with"] for row in costs] == [config.n_layer * (12 * C * C + 2 * (pos + 1) * C) + V * C
                                             for pos in range(len(costs))]


def test_the_same_logits_at_four_temperatures_and_what_each_way_of_drawing_keeps(session):
    shown = stepped(session, 2)
    V = len(shown["tokens"])
    entropies = [row["entropy"] for row in shown["temperatures"]]
    assert [row["temperature"] for row in shown["temperatures"]] == [0.25, 0.5, 1.0, 2.0]
    assert entropies == sorted(entropies) and all(0 <= e <= math.log2(V) for e in entropies)
    kept = {choice["sampling"]: sum(p > 0 for p in choice["probs"]) for choice in shown["choices"]}
    assert kept["greedy"] == 1 and kept["top-k"] == 5 and kept["temperature"] == V


def test_bos_probability_is_the_one_the_turn_drew_from(session):
    shown = stepped(session, 3)
    for turn, step in zip(shown["turns"], session.stepper.steps):
        assert turn["bos_prob"] == step.probs[session.run.model.tokenizer.bos]


def test_without_its_stopping_condition_the_loop_fills_the_block(session):
    ran = session.lesson_run_on(temperature=0.8, seed=2)
    assert len(ran["name"]) == SHAPE["block_size"]
    assert [turn["pos"] for turn in ran["turns"]] == list(range(SHAPE["block_size"]))
    assert all(0 < turn["bos_prob"] < 1 for turn in ran["turns"])


def test_the_gradient_cost_is_measured_for_the_models_engine():
    for engine in ("fast", "reference"):
        cost = trained(engine, steps=2).lesson_gradient_cost("neon")
        assert cost["engine"] == engine and cost["doc"] == "neon"
        assert cost["forward_ms"] > 0 and cost["backward_ms"] > 0
        assert ("graph_nodes" in cost) == (engine == "reference")
    assert cost["graph_nodes"] > 1000  # a Value for every number of the forward pass


def test_the_reference_engine_shows_the_same_lesson_as_floats():
    shown = stepped(trained("reference", steps=2), 2)
    assert all(type(x) is float for vector in shown["kv"] for x in vector["values"])
    assert all(row["same_logits"] for row in shown["costs"])


def test_bad_input_to_the_lesson_is_refused_with_a_message(session):
    with pytest.raises(MicrogptError, match="never saw"):
        session.lesson_gradient_cost("neon\u2603")
    with pytest.raises(MicrogptError, match="temperature"):
        session.lesson_run_on(temperature=0, seed=1)
    with pytest.raises(MicrogptError, match="no model"):
        Session().lesson()
