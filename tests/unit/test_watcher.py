"""The training views: PCA, the weight history, health, and what the watcher hands the page."""
import math
import random

import pytest

from microgpt import MicrogptError
from microgpt.health import copy, measure
from microgpt.history import MAX_BYTES, History
from microgpt.model import GPTConfig, init_weights, num_params, param_shapes
from microgpt.pca import dot, principal_axes, project
from microgpt.sampler import sample_name
from microgpt.session import Session
from microgpt.trainer import Trainer
from microgpt.watcher import TRAVEL_NAMES, TRAVEL_SEED, TRAVEL_TEMPERATURE, probe_attention

from helpers import DATA

SHAPE = dict(n_embd=16, n_head=4, n_layer=1, block_size=8)


def covariance(rows):
    n, d = len(rows), len(rows[0])
    means = [sum(row[j] for row in rows) / n for j in range(d)]
    centered = [[x - m for x, m in zip(row, means)] for row in rows]
    return [[sum(r[i] * r[j] for r in centered) / n for j in range(d)] for i in range(d)]


def gaussian_rows(n, d, seed=0, stretch=()):
    rng = random.Random(seed)
    return [[rng.gauss(0, 1) * (stretch[j] if j < len(stretch) else 1) for j in range(d)] for _ in range(n)]


@pytest.mark.parametrize("n, d", [(27, 16), (8, 16), (5, 3), (60, 32)])
def test_the_axes_are_the_covariances_top_eigenvectors(n, d):
    rows = gaussian_rows(n, d, seed=n)
    C = covariance(rows)
    (a1, a2), (f1, f2) = principal_axes(rows)
    trace = sum(C[i][i] for i in range(d))
    for axis, fraction in [(a1, f1), (a2, f2)]:
        Ca = [dot(row, axis) for row in C]
        eigenvalue = dot(axis, Ca)
        assert max(abs(x - eigenvalue * y) for x, y in zip(Ca, axis)) < 1e-6 * trace  # C a = λ a
        assert eigenvalue / trace == pytest.approx(fraction, rel=1e-9)
    assert dot(a1, a1) == pytest.approx(1) and dot(a2, a2) == pytest.approx(1) and abs(dot(a1, a2)) < 1e-9
    assert f1 >= f2
    # No direction holds more of the spread than the first axis, and none orthogonal to it more than the second.
    rng = random.Random(1)
    for _ in range(200):
        v = [rng.gauss(0, 1) for _ in range(d)]
        v = [x - dot(v, a1) * y for x, y in zip(v, a1)]
        norm = math.sqrt(dot(v, v))
        v = [x / norm for x in v]
        assert dot(v, [dot(row, v) for row in C]) <= f2 * trace * (1 + 1e-9)


def test_coordinates_are_the_centred_rows_along_the_axes():
    rows = gaussian_rows(10, 4, stretch=(5, 2))
    axes, _ = principal_axes(rows)
    points = project(rows, axes)
    assert [abs(x) for x in axes[0]].index(max(abs(x) for x in axes[0])) == 0  # the stretched dimension
    assert sum(x for x, _ in points) == pytest.approx(0, abs=1e-9)
    assert max(axes[0], key=abs) > 0  # without a previous frame: the largest entry is positive


def test_orientation_follows_the_previous_frame():
    rows = gaussian_rows(20, 6, stretch=(4, 2))
    axes, explained = principal_axes(rows)
    flipped = [[-x for x in axes[0]], axes[1]]
    assert principal_axes(rows, flipped)[0][0] == pytest.approx(flipped[0])
    assert principal_axes(rows, flipped)[1] == explained  # the first axis is always the one of most variance


@pytest.mark.parametrize("rows", [[[1.0, 2.0, 3.0]], [[1.0], [2.0], [4.0]], [[0.0, 0.0]] * 3])
def test_degenerate_inputs_still_give_two_axes(rows):
    axes, explained = principal_axes(rows)
    assert len(axes) == 2 and all(len(axis) == len(rows[0]) for axis in axes)
    assert all(math.isfinite(x) for x in explained) and len(project(rows, axes)) == len(rows)


def test_history_keeps_every_kth_step_and_the_latest_within_its_bound():
    config = GPTConfig()
    weights = init_weights(config, 27, random.Random(0))
    history = History(500, num_params(config, 27))
    assert history.every == 5
    for step in range(0, 14):
        history.keep(step, weights)
    history.keep(13, weights, latest=True)
    assert history.steps == [0, 5, 10, 13]
    history.keep(15, weights)
    assert history.steps == [0, 5, 10, 15]  # the latest is let go once training passes it
    assert history.weights_at(15, param_shapes(config, 27)) == weights
    assert history.nbytes == 4 * 8 * 4064
    largest = num_params(GPTConfig(n_embd=64, n_head=16, n_layer=4, block_size=32), 501)
    big = History(20000, largest)
    assert (20000 // big.every + 2) * 8 * largest <= MAX_BYTES


def test_health_is_the_update_to_weight_ratio_and_the_gradient_norm():
    before = {"w": [[3.0, 4.0]]}
    after = {"w": [[3.0, 4.05]]}
    (ratio, grad_norm), = measure(copy(before), after, {"w": [[6.0, 8.0]]})
    assert ratio == pytest.approx(0.05 / 5) and grad_norm == pytest.approx(10)


@pytest.fixture
def session():
    session = Session((DATA / "elements.txt").read_text(encoding="utf-8"))
    session.start_training(steps=60, seed=3, engine="fast", **SHAPE)
    return session


def test_frames_come_every_25_steps_with_health_every_20(session):
    session.train(60)
    views = session.views()
    assert [frame["step"] for frame in views["frames"]] == [0, 25, 50, 60]
    assert [record[0] for record in views["health"]] == list(range(20, 61, 20))
    assert views["matrices"] == list(session.run.model.weights)
    assert all(len(record[1]) == len(views["matrices"]) for record in views["health"])
    frame = views["frames"][-1]
    vocab = session.run.model.tokenizer.vocab_size
    assert len(frame["wte"]["points"]) == vocab == len(frame["tokens"]) and frame["tokens"][-1] == "BOS"
    assert len(frame["wpe"]["points"]) == SHAPE["block_size"]
    assert session.views()["frames"] == []  # collected once


def test_the_frame_is_the_pca_and_attention_of_the_weights(session):
    session.train(60)
    frame = session.views()["frames"][-1]
    weights = session.run.model.weights
    axes, _ = principal_axes(weights["wte"])
    expected = project(weights["wte"], axes)
    for (x, y), (ex, ey) in zip(frame["wte"]["points"], expected):  # up to each axis's sign
        assert abs(x) == pytest.approx(abs(ex), rel=1e-9, abs=1e-12) and abs(y) == pytest.approx(abs(ey), rel=1e-9, abs=1e-12)
    probe = frame["probe"]
    assert frame["probe_tokens"] == ["BOS", *probe]
    for heads in frame["attention"]:
        for rows in heads:
            assert [len(row) for row in rows] == list(range(1, len(probe) + 2))
            assert all(sum(row) == pytest.approx(1) for row in rows)
    assert frame["attention"] == probe_attention(session.run.model, session.run.model.tokenizer.encode(probe)[:-1])


def test_a_stopped_run_gets_a_frame_of_the_step_it_stopped_at(session):
    while session.run.steps_done < 30:
        session.run.step()  # (as a stop between two chunks leaves it)
    assert [frame["step"] for frame in session.views(latest=True)["frames"]] == [0, 30]
    assert session.views(latest=True)["frames"] == []  # (already shown)


def test_two_points_in_more_dimensions_have_one_axis():
    rows = gaussian_rows(2, 16)
    axes, explained = principal_axes(rows)
    assert axes[1] == [0.0] * 16 and explained[0] == pytest.approx(1)
    assert all(y == 0 for _, y in project(rows, axes))


def test_hidden_views_compute_no_frames(session):
    session.watch(shown=False)
    session.views()  # (the frame of step 0, computed when the run started)
    session.train(60)
    views = session.views()
    assert views["frames"] == [] and views["health"] == []
    assert views["kept"] == list(range(61))  # (time travel still works)


def test_travel_samples_the_weights_of_that_step_with_a_fixed_seed(session):
    session.train(60)
    trained_to_20 = Trainer.new(session.docs, GPTConfig(**SHAPE), num_steps=60, seed=3, engine="fast")
    for _ in range(20):
        trained_to_20.step()
    rng = random.Random(TRAVEL_SEED)
    expected = [sample_name(trained_to_20.model, trained_to_20.engine, TRAVEL_TEMPERATURE, rng) for _ in range(TRAVEL_NAMES)]
    travelled = session.travel(20)
    assert travelled["names"] == expected == session.travel(20)["names"]
    assert travelled["frame"]["step"] == 20
    with pytest.raises(MicrogptError, match="not kept"):
        session.travel(61)


def test_the_probe_word_is_checked(session):
    assert session.watch(probe="ne")["probe_tokens"] == ["BOS", "n", "e"]
    with pytest.raises(MicrogptError, match="no token for"):
        session.watch(probe="n€")
    with pytest.raises(MicrogptError, match="shorter than the block size"):
        session.watch(probe="neon" * 2)
    assert session.watch()["probe"] == "ne"  # a refused probe leaves the one there was
