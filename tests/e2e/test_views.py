"""Watch it learn: the training views show what CPython computes from the same weights, go back
to kept steps, and compare runs; one page for all of it."""
import json
import random

import pytest

from microgpt.session import Session
from microgpt.pca import principal_axes, project
from microgpt.sampler import sample_name
from microgpt.watcher import TRAVEL_NAMES, TRAVEL_SEED, TRAVEL_TEMPERATURE, probe_attention

from .helpers import ROOT, SAVED_RUNS, cpython_session, open_page, poll, train, wait_for_state

SHAPE = dict(n_embd=16, n_head=4, n_layer=1, block_size=8)
STEPS = 60
# The number of runs autosaved in the browser (storage.js), or -1 before there is a saved record.
def drawn_points(page, testid, key):
    return page.evaluate(f"""() => [...document.querySelectorAll('[data-testid="{testid}"]')]
        .map((g) => [g.dataset.{key}, Number(g.dataset.x), Number(g.dataset.y)])""")


def assert_same_up_to_sign(points, expected):
    assert len(points) == len(expected)
    for axis in range(2):
        sign = 1 if sum(p[axis] * e[axis] for p, e in zip(points, expected)) >= 0 else -1
        for p, e in zip(points, expected):
            assert sign * p[axis] == pytest.approx(e[axis], rel=1e-9, abs=1e-12)


def test_views_match_cpython_go_back_in_time_and_compare_runs(page, site_url):
    open_page(page, site_url, f"steps={STEPS}&seed=42&engine=fast")
    train(page)
    page.wait_for_function(f"document.getElementById('embeddings').dataset.step === '{STEPS}'")
    session, _ = cpython_session(STEPS, 42, engine="fast", **SHAPE)
    model = session.run.model
    tokens = [*model.tokenizer.chars, "BOS"]

    # The embeddings: a point per token (and per position), CPython's PCA of the same weights.
    points = drawn_points(page, "embedding-point", "token")
    assert [token for token, *_ in points] == tokens
    wte = model.weights["wte"]
    assert_same_up_to_sign([p[1:] for p in points], project(wte, principal_axes(wte)[0]))
    positions = drawn_points(page, "position-point", "position")
    wpe = model.weights["wpe"]
    assert_same_up_to_sign([p[1:] for p in positions], project(wpe, principal_axes(wpe)[0]))
    page.get_by_test_id("embedding-point").first.focus()
    assert page.get_by_test_id("neighbours").inner_text().startswith(f'Nearest to "{tokens[0]}"')

    # Attention on the probe word: every row sums to 1, and is CPython's.
    probe = page.get_by_test_id("probe").input_value()
    expected = probe_attention(model, model.tokenizer.encode(probe)[:-1])
    rows = page.evaluate("""() => [...document.querySelectorAll('[data-testid="probe-attention-row"]')]
        .map((r) => [Number(r.dataset.layer), Number(r.dataset.head), Number(r.dataset.row), JSON.parse(r.dataset.weights)])""")
    assert len(rows) == SHAPE["n_head"] * (len(probe) + 1)
    for layer, head, i, weights in rows:
        assert sum(weights) == pytest.approx(1, abs=1e-12)
        assert weights == pytest.approx(expected[layer][head][i], rel=1e-9, abs=1e-15)
    # A new probe word redraws at once; one the model has no tokens for is refused, with a message.
    page.get_by_test_id("probe").fill("zoe")
    page.get_by_test_id("probe").press("Enter")
    page.wait_for_function("document.querySelectorAll('[data-testid=probe-attention-row]').length === 16")
    page.get_by_test_id("probe").fill("Zoë")
    page.get_by_test_id("probe").press("Enter")
    page.wait_for_function("document.getElementById('message').textContent.includes('probe word')")
    assert page.get_by_test_id("probe-attention-row").count() == 16  # the views stay as they were

    # Optimisation health: a line per weight matrix.
    assert page.get_by_test_id("health-matrix").count() == len(model.weights)

    # Time travel: the names at step s are CPython's, sampled from the step-s weights with the fixed seed.
    step = 25
    page.get_by_test_id("scrub").fill(str(step))
    page.wait_for_function(f"document.querySelectorAll('[data-testid=travel-names] li').length === {TRAVEL_NAMES}")
    assert page.get_by_test_id("scrub-step").inner_text() == f"step {step}"
    past = trained_to(step)
    rng = random.Random(TRAVEL_SEED)
    names = [sample_name(past.model, past.engine, TRAVEL_TEMPERATURE, rng) for _ in range(TRAVEL_NAMES)]
    assert page.get_by_test_id("travel-names").locator("li").all_inner_texts() == names
    page.wait_for_function(f"document.getElementById('embeddings').dataset.step === '{step}'")
    wte = past.model.weights["wte"]
    assert_same_up_to_sign([p[1:] for p in drawn_points(page, "embedding-point", "token")],
                           project(wte, principal_axes(wte)[0]))

    # A second run, watched: the main thread keeps running while the views are drawn.
    page.get_by_test_id("seed").fill("7")
    page.get_by_test_id("steps").fill("300")
    page.evaluate("""() => { window.ticks = []; setInterval(() => window.ticks.push(performance.now()), 20); }""")
    train(page)
    gaps = page.evaluate("() => window.ticks.slice(1).map((t, i) => t - window.ticks[i])")
    assert len(gaps) > 20 and max(gaps) < 1000, f"the main thread froze for {max(gaps):.0f} ms"

    # The runs overlay: both runs kept, labelled by what differs; hidden, removed, and kept on reload.
    runs = page.get_by_test_id("run")
    assert runs.locator("[data-testid=run-label]").all_inner_texts() == ["steps 60 · seed 42", "steps 300 · seed 7 (this run)"]
    first_id = runs.first.get_attribute("data-id")
    assert json.loads(page.get_by_test_id("chart").get_attribute("data-runs-shown")) == [int(first_id), "current"]
    runs.first.get_by_test_id("run-hide").click()
    page.wait_for_function("JSON.parse(document.getElementById('chart').dataset.runsShown).length === 1")
    runs.first.get_by_test_id("run-remove").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=run]').length === 1")
    poll(page, f"({SAVED_RUNS}).then((count) => count === 1)")  # (autosaved in IndexedDB)
    page.reload()
    wait_for_state(page, "ready")
    assert page.get_by_test_id("run-label").all_inner_texts() == ["run 1 (this run)"]


def trained_to(step):
    """The page's first run on CPython, stopped after `step` of its steps."""
    session = Session((ROOT / "data" / "names.txt").read_text(encoding="utf-8"))
    session.start_training(STEPS, 42, engine="fast", **SHAPE)
    for _ in range(step):
        session.run.step()
    return session.run
