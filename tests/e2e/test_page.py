"""The page as a person uses it: load, train, stop, generate, share settings by URL."""
import json
import math
import re
from pathlib import Path

import pytest

from .helpers import (BUILT_READY, ROOT, SMALL, STATUS, cpython_names, cpython_session, data_of, generate,
                          generated_names, open_page, progress, train, wait_for_state)

PHASES = {"loading", "ready", "training", "generating", "failed"}


def test_loads_to_ready_with_the_dataset_summary(page, site_url):
    open_page(page, site_url)
    assert page.get_by_test_id("dataset").inner_text() == \
        "32,000 names · 27 tokens (26 characters + end) · 4,064 parameters"
    assert page.get_by_test_id("train").is_enabled()
    assert page.get_by_test_id("generate").is_enabled()  # the model trained at build time
    assert page.get_by_test_id("stop").is_disabled()


def test_a_first_visit_opens_the_model_trained_at_build_time_the_one_train_makes(page, site_url, dist):
    open_page(page, site_url)
    assert page.inner_text(STATUS) == BUILT_READY
    shown = data_of(page, "status")
    assert shown["built"] == "true" and shown["modelStep"] == "500" and shown["engine"] == "fast"
    # It samples what microgpt.py prints after its default run: the run's own random stream, from its start.
    expected = (ROOT / "tests" / "data" / "names-default-500steps.names").read_text().split()
    assert generate(page, 20) == expected
    # Train with the defaults: the model the page makes is the one built, bit for bit.
    [built] = (dist / "models").glob("*steps-seed42.json")
    train(page)
    assert "built" not in data_of(page, "status")
    with page.expect_download() as download:
        page.get_by_test_id("model-download").click()
    assert download.value.suggested_filename == built.name
    assert Path(download.value.path()).read_text() == built.read_text()


RECORD_STATES = """
    window.states = [];
    new MutationObserver(() => {
        const state = document.body?.dataset.state;
        if (document.body && state !== window.states.at(-1)) window.states.push(state);
    }).observe(document, {attributes: true, attributeFilter: ["data-state"], subtree: true, childList: true});
"""


def test_data_state_and_progress_through_load_train_and_generate(page, site_url):
    page.add_init_script(RECORD_STATES)  # every value body's data-state takes, from the start
    open_page(page, site_url, SMALL)
    assert page.get_by_test_id("progress").inner_text() == "step 0 / 20"
    assert progress(page) == (0, 20)
    page.get_by_test_id("train").click()
    wait_for_state(page, "training")
    assert page.get_by_test_id("train").is_disabled() and page.get_by_test_id("stop").is_enabled()
    wait_for_state(page, "ready")
    assert progress(page) == (20, 20)
    assert re.fullmatch(r"\d+\.\d{4}", page.get_by_test_id("loss").inner_text())
    assert re.fullmatch(r"[\d.]+ steps/s", page.get_by_test_id("speed").inner_text())
    assert page.get_by_test_id("progress-bar").evaluate("bar => bar.value") == 1
    chart = page.get_by_test_id("chart")  # the loss of a uniform guess, and the average's window
    assert float(chart.get_attribute("data-baseline")) == pytest.approx(math.log(27))
    assert chart.get_attribute("data-window") == "25"
    assert data_of(page, "status")["engine"] == "reference"
    assert page.get_by_test_id("generate").is_enabled()
    generate(page, samples=3)
    assert page.evaluate("window.states") == ["loading", "ready", "training", "ready", "generating", "ready"]


def test_stop_ends_training_mid_run(page, site_url):
    open_page(page, site_url, "steps=5000&engine=reference")
    page.get_by_test_id("train").click()
    page.wait_for_function("document.querySelector('[data-testid=progress]').dataset.step >= 3")
    assert page.get_by_test_id("train").is_disabled()
    page.get_by_test_id("stop").click()
    wait_for_state(page, "ready")
    assert data_of(page, "status")["stopped"] == "true"
    stopped_at = progress(page)
    page.wait_for_timeout(1000)
    assert progress(page) == stopped_at  # no step after Stop
    assert stopped_at[0] < 5000 and stopped_at[1] == 5000
    assert page.get_by_test_id("generate").is_enabled()  # a part-trained model can sample


def test_names_type_out_character_by_character(page, site_url):
    open_page(page, site_url, SMALL)
    train(page)
    # Record every text each name showed on its way to complete.
    page.evaluate("""() => {
        window.seen = [];
        new MutationObserver(() => {
            document.querySelectorAll('[data-testid=sample]').forEach((item, i) => {
                (window.seen[i] ??= []).push(item.textContent);
            });
        }).observe(document.querySelector('[data-testid=samples]'), {childList: true, subtree: true});
    }""")
    names = generate(page, samples=6, pace=15)
    assert len(names) == 6
    seen = page.evaluate("() => window.seen")
    for name, texts in zip(names, seen):
        grown = [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]
        assert grown == ([name[:k] for k in range(1, len(name) + 1)] or [""]), texts  # one at a time
        assert set(name) <= set("abcdefghijklmnopqrstuvwxyz")


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_settings_url_prefills_controls_and_matches_cpython(page, site_url, engine):
    train_settings = dict(steps=25, seed=7, n_embd=8, n_head=2, n_layer=1, block_size=6, engine=engine)
    settings = dict(train_settings, samples=8, temperature=0.8)
    open_page(page, site_url, "&".join(f"{k}={v}" for k, v in settings.items()))
    for testid, name in [("steps", "steps"), ("seed", "seed"), ("temperature", "temperature"),
                         ("sample-count", "samples"), ("n-embd", "n_embd"), ("n-head", "n_head"),
                         ("block-size", "block_size"), ("engine", "engine")]:
        assert page.get_by_test_id(testid).input_value() == str(settings[name])
    train(page)
    names = generate(page, samples=8)
    session, losses = cpython_session(**train_settings)
    assert page.get_by_test_id("loss").inner_text() == f"{losses[-1]:.4f}"
    assert names == cpython_names(session, 8, 0.8)  # Pyodide draws exactly what CPython draws


def test_bad_url_values_get_a_message_and_the_default(page, site_url):
    open_page(page, site_url, "steps=abc&temperature=-1&n_embd=10&seed=4&sample_seed=" + "9" * 5000)
    message = page.get_by_test_id("message").inner_text()
    assert "steps=abc" in message and "temperature=-1" in message
    assert "Embedding width (10) must be divisible by heads (4). Using the default model shape." in message
    assert "sample_seed=99999999999999999999… must be a whole number from 0 to 2147483647; using none." in message
    assert len(message) < 400  # a long value is not echoed in full
    assert page.get_by_test_id("steps").input_value() == "500"
    assert page.get_by_test_id("temperature").input_value() == "0.5"
    assert page.get_by_test_id("n-embd").input_value() == "16"
    assert page.get_by_test_id("seed").input_value() == "4"  # the good values are kept


def test_bad_setting_in_the_form_is_refused_with_a_message(page, site_url):
    open_page(page, site_url, SMALL)
    page.get_by_test_id("steps").fill("-5")
    page.get_by_test_id("train").click()
    assert "Training steps must be from 1" in page.get_by_test_id("message").inner_text()
    assert page.inner_text(STATUS) == "Ready"  # nothing started
    assert progress(page) == (0, 20)


def test_fast_engine_is_the_default_and_the_page_names_the_running_engine(page, site_url):
    open_page(page, site_url, "steps=30")
    assert page.get_by_test_id("engine").input_value() == "fast"
    train(page)
    assert data_of(page, "status")["engine"] == "fast"
    assert "fast engine" in page.inner_text(STATUS)  # and says so
    page.get_by_test_id("engine").select_option("reference")
    assert "engine=reference" not in page.url  # the address says what is on screen, not the form
    train(page)
    assert data_of(page, "status")["engine"] == "reference"
    assert "engine=reference" in page.url  # now it is the run on screen


def test_default_run_shows_what_microgpt_prints_and_generating_again_continues(page, site_url):
    """Train then Generate with the defaults: the last loss and the 20 names are the reference
    engine's on CPython (tests/data/names-default-500steps.*, made by tests/unit/test_fast.py).
    Generate again: names 21-40 of the same stream. With a sampling seed: a fresh stream."""
    data = ROOT / "tests" / "data"
    last_loss = float(data.joinpath("names-default-500steps.losses").read_text().split()[-1])
    expected_names = data.joinpath("names-default-500steps.names").read_text(encoding="utf-8").splitlines()
    session, _ = cpython_session(500, 42, 16, 4, 1, 8, "fast")
    forty = cpython_names(session, 40, 0.5)
    assert forty[:20] == expected_names
    open_page(page, site_url)
    assert page.get_by_test_id("sample-seed").input_value() == ""  # no sampling seed by default
    train(page)
    assert page.get_by_test_id("loss").inner_text() == f"{last_loss:.4f}"
    assert generate(page, samples=20) == expected_names
    assert "Names 1–20 of the run's own random stream" in page.get_by_test_id("stream").inner_text()
    assert generate(page, samples=20) == forty[20:]
    assert "Names 21–40 of the run's own random stream" in page.get_by_test_id("stream").inner_text()
    seeded = cpython_names(session, 6, 0.5, seed=7)
    assert generate(page, samples=6, sample_seed=7) == seeded
    assert generate(page, samples=6, sample_seed=7) == seeded  # fresh each time
    assert "sampling seed 7" in page.get_by_test_id("stream").inner_text()
    assert "sample_seed=7" in page.url  # part of the shareable settings


def test_a_python_failure_is_reported_with_a_restart_button(serve_directory, page, dist, tmp_path, problems):
    # The site with the zip Python starts with missing: Python fails to start inside the worker.
    broken = tmp_path / "site"
    broken.mkdir()
    for item in dist.iterdir():
        if item.name != "manifest.json":
            (broken / item.name).symlink_to(item)
    manifest = json.loads((dist / "manifest.json").read_text())
    manifest["core"] = "missing-core.zip"
    (broken / "manifest.json").write_text(json.dumps(manifest))
    page.goto(serve_directory(broken))
    wait_for_state(page, "failed")
    assert page.inner_text(STATUS) == ("Python could not start. missing-core.zip could not be "
                                       "downloaded: the server answered 404 (not found).")
    assert page.get_by_test_id("restart").inner_text() == "Retry"
    page.get_by_test_id("details").click()
    assert "/missing-core.zip: HTTP 404" in page.get_by_test_id("details").inner_text()
    assert not page.evaluate("document.body.classList.contains('busy')")  # no endless spinner
    assert page.get_by_test_id("train").is_disabled()
    page.get_by_test_id("restart").click()
    assert page.get_by_test_id("restart").is_hidden()
    wait_for_state(page, "failed")
    problems.clear()  # the failed download was the point


def test_a_trained_model_survives_a_crash_and_restart(page, site_url, problems):
    train_settings = dict(steps=20, seed=42, n_embd=8, n_head=2, n_layer=1, block_size=6, engine="fast")
    open_page(page, site_url, "&".join(f"{k}={v}" for k, v in train_settings.items()))
    train(page)
    session, _ = cpython_session(**train_settings)
    assert generate(page, samples=5) == cpython_names(session, 5, 0.5)
    [worker] = page.workers
    worker.evaluate("setTimeout(() => { throw new Error('simulated crash'); })")
    wait_for_state(page, "failed")
    assert "restart Python" in page.inner_text(STATUS)
    assert page.get_by_test_id("generate").is_disabled()
    page.get_by_test_id("restart").click()
    wait_for_state(page, "ready")
    assert data_of(page, "status")["modelStep"] == "20"
    assert "restored the model trained for 20 steps" in page.inner_text(STATUS)
    # The same model, and its random stream goes on where it was: names 6-10.
    assert generate(page, samples=5) == cpython_names(session, 5, 0.5)
    problems[:] = [p for p in problems if "simulated crash" not in p]


def test_stop_also_stops_the_typing(page, site_url):
    open_page(page, site_url, SMALL)
    train(page)
    page.get_by_test_id("sample-count").fill("20")
    page.get_by_test_id("pace").fill("300")  # slow: sampling is done long before the typing
    page.get_by_test_id("generate").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=sample]').length >= 1")
    page.get_by_test_id("stop").click()
    wait_for_state(page, "ready")
    shown = generated_names(page)
    page.wait_for_timeout(1000)
    assert generated_names(page) == shown and len(shown) < 20  # nothing more is typed
    assert page.get_by_test_id("generate").is_enabled() and page.get_by_test_id("stop").is_disabled()


def test_greedy_top_k_and_top_p_draw_cpythons_names_in_the_page_and_in_look_inside(page, site_url):
    session, _ = cpython_session(500, 42, 16, 4, 1, 8, "fast")  # the model trained at build time
    open_page(page, site_url)
    for mode in ("greedy", "top-k", "top-p"):
        page.get_by_test_id("sampling-mode").select_option(mode)
        assert page.get_by_test_id("top-k").is_enabled() == (mode == "top-k")
        if mode != "greedy":
            page.get_by_test_id(mode).fill({"top-k": "3", "top-p": "0.6"}[mode])
        expected = [event["name"] for event in session.generate(5, 0.5, 9, "", sampling=mode, top_k=3, top_p=0.6)
                    if "name" in event]
        assert generate(page, 5, sample_seed=9) == expected, mode
    assert "sampling=top-p" in page.url and "top_p=0.6" in page.url
    # Look inside draws the same way: top-k 3 keeps three tokens, the others at 0.
    page.get_by_test_id("sampling-mode").select_option("top-k")
    page.get_by_test_id("restart-name").click()
    page.get_by_test_id("step").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=dist-row][data-kept=true]').length === 3")
    kept = [float(p) for p in page.locator("[data-testid=dist-row][data-kept=true]").evaluate_all(
        "rows => rows.map(row => row.dataset.prob)")]
    assert sum(kept) == pytest.approx(1.0, rel=1e-12)
