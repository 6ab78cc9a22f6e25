"""Look inside the generation loop: the page shows the numbers Python computes, and they are
CPython's for the same model, position and temperature. One page, trained once.

"The same" is to 1e-9, relative, not to the bit: Pyodide's libm (musl) and CPython's (glibc)
round exp, log and pow differently in the last bit for some inputs (a few in a hundred), so
the same 200 steps of training end a few ulps apart. A wrong position, temperature or token
would be off by far more."""
import contextlib
import io
import json

import pytest

from microgpt.cli import main as cli
from microgpt.sampler import probabilities

from .helpers import ROOT, cpython_session, generate, open_page, train, wait_for_state

TRAIN = dict(steps=200, seed=42, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
SEED = 11


def same(expected):
    """expected, with every float compared to 1e-9 relative (see above)."""
    if isinstance(expected, float):
        return pytest.approx(expected, rel=1e-9, abs=1e-12)
    if isinstance(expected, (list, tuple)):
        return type(expected)(same(item) for item in expected)
    return expected


def rows(page):
    """The distribution the page shows: (token, probability) per dist-row."""
    return [(row["token"], float(row["prob"])) for row in page.get_by_test_id("dist-row").evaluate_all(
        "rows => rows.map(row => ({token: row.dataset.token, prob: row.dataset.prob}))")]


def attention_rows(page):
    return page.get_by_test_id("attention-row").evaluate_all(
        "rows => rows.map(row => [Number(row.dataset.layer), Number(row.dataset.head), JSON.parse(row.dataset.weights)])")


INSIDE = "document.querySelector('[data-testid=inside-state]').dataset"


def step(page, key="s"):
    """One turn of the loop by the keyboard: wait until the sentence speaks of another turn."""
    before = page.evaluate(f"JSON.stringify({{...{INSIDE}}})")
    page.keyboard.press(key)
    page.wait_for_function(f"before => JSON.stringify({{...{INSIDE}}}) !== before", arg=before)


@pytest.fixture(scope="module")
def cpython():
    session, _ = cpython_session(**TRAIN)
    return session


def test_look_inside_shows_cpythons_numbers_and_branches_like_a_prefix(page, site_url, cpython, tmp_path):
    open_page(page, site_url, "&".join(f"{k}={v}" for k, v in TRAIN.items()) + f"&sample_seed={SEED}")
    train(page)
    page.get_by_test_id("restart-name").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=loop-source] .current').length === 1")
    assert "def sample(" in page.get_by_test_id("loop-source").inner_text()
    assert "token_id = BOS" in page.locator("[data-testid=loop-source] .current").inner_text()  # the start

    # Step with the keyboard; each turn shows CPython's distribution at that position.
    loop = cpython.inspect_start(temperature=0.5, seed=SEED)
    tokens = loop["tokens"]
    page.locator("body").click(position={"x": 5, "y": 5})  # (focus on the page, not in a field)
    for pos in range(3):
        step(page, "s" if pos % 2 else "ArrowRight")
        turn = cpython.inspect_step()
        assert rows(page) == same(list(zip(tokens, turn["probs"])))
        drawn = page.locator("[data-testid=dist-row][aria-current=true]")
        assert drawn.get_attribute("data-token") == turn["token"]
        assert page.locator("[data-testid=dist-row][data-token=BOS]").get_attribute("class").strip().startswith("bos")
        assert [int(layer.get_attribute("data-length")) for layer in page.get_by_test_id("kv-layer").all()] == \
            turn["kv"] == [pos + 1]
        # Attention: each layer's and head's weights over the positions so far, CPython's, summing to 1.
        shown = attention_rows(page)
        assert shown == same([[layer, head, weights] for layer, heads in enumerate(turn["attention"])
                              for head, weights in enumerate(heads)])
        for *_, weights in shown:
            assert len(weights) == pos + 1 and sum(weights) == pytest.approx(1.0, abs=1e-12)
    assert "name.append" in page.locator("[data-testid=loop-source] .current").inner_text() or turn["token"] == "BOS"

    # The temperature slider redraws the same logits divided anew: CPython's numbers again.
    for temperature in (1.5, 0.2):
        page.get_by_test_id("inside-temperature").evaluate(
            "(slider, t) => { slider.value = t; slider.dispatchEvent(new Event('input')); }", temperature)
        expected = list(zip(tokens, probabilities(turn["logits"], temperature)))
        page.wait_for_function("expected => [...document.querySelectorAll('[data-testid=dist-row]')]"
                               ".every((row, i) => Math.abs(Number(row.dataset.prob) - expected[i][1]) < 1e-6)",
                               arg=expected)
        assert rows(page) == same(expected)
    page.get_by_test_id("inside-temperature").evaluate(
        "slider => { slider.value = 0.5; slider.dispatchEvent(new Event('input')); }")
    page.wait_for_function("Number(document.querySelector('#inside-temperature-value').textContent) === 0.5")

    # Branch: force "a" at this position; the name goes on as a prefix of the name so far + "a".
    name_so_far = turn["name"]
    page.locator("[data-testid=dist-row][data-token=a] button").click()
    page.wait_for_function(f"{INSIDE}.forced === 'true' && {INSIDE}.token === 'a'")
    assert 'given (forced) "a"' in page.get_by_test_id("inside-state").inner_text()
    # Play with the keyboard to the end.
    page.get_by_test_id("play-speed").evaluate("slider => { slider.value = 20; slider.dispatchEvent(new Event('input')); }")
    page.keyboard.press("p")
    page.wait_for_function(f"{INSIDE}.done === 'true'")
    assert page.get_by_test_id("play").inner_text() == "Play"  # it stopped by itself at the end
    looked = page.evaluate(f"{INSIDE}.name")
    assert f'The name: "{looked}"' in page.get_by_test_id("inside-state").inner_text()

    # The CLI, on a checkpoint of the same run, with the equivalent prefix and the sampling seed.
    model = tmp_path / "model.json"
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(["train", "--data", str(ROOT / "data" / "names.txt"), "--steps", "200", "--samples", "0",
                    "--out", str(model)]) == 0
    prefix = name_so_far + "a"
    assert [looked] == cli_sample(model, prefix)

    # Generate with that prefix: the CLI's names, with log-probabilities and novelty as Python has them.
    page.get_by_test_id("prefix").fill(prefix)
    names = generate(page, samples=5, sample_seed=SEED)
    assert names == cli_sample(model, prefix, samples=5)
    items = page.get_by_test_id("sample").evaluate_all(
        "items => items.map(item => [item.textContent, Number(item.dataset.logprob), item.dataset.novel])")
    ends = [event for event in cpython.generate(5, 0.5, seed=SEED, prefix=prefix) if "name" in event]
    assert items == same([[end["name"], end["log_prob"], json.dumps(end["novel"])] for end in ends])


def cli_sample(model, prefix, samples=1):
    """The names `python3 -m microgpt sample --prefix P --seed S` prints."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli(["sample", "--model", str(model), "--prefix", prefix, "--seed", str(SEED),
                    "--samples", str(samples)]) == 0
    return [line.split(": ", 1)[1] for line in printed.getvalue().splitlines()]


def test_seen_names_are_marked(page, site_url):
    """A prefix that is a whole training name, as long as the block: nothing to draw, so the
    name is that prefix, seen in training, with log-probability 0."""
    open_page(page, site_url, "steps=5&n_embd=8&n_head=2&block_size=5&engine=fast")
    train(page)
    page.get_by_test_id("prefix").fill("emily")
    generate(page, samples=1, sample_seed=1)
    item = page.get_by_test_id("sample")
    assert (item.inner_text(), item.get_attribute("data-novel"), item.get_attribute("data-logprob")) == ("emily", "false", "0")
    page.get_by_test_id("prefix").fill("émily")
    page.get_by_test_id("generate").click()
    wait_for_state(page, "ready")
    assert "never saw in training" in page.get_by_test_id("message").inner_text()
