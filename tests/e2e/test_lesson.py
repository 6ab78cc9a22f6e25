"""The lesson: every number it shows is CPython's for the same model and name; it is walked with the
keyboard alone; axe-core finds nothing in light or dark; at 390 px nothing but code scrolls sideways.

The model is the one trained at build time (the default run), which CPython trains again here;
floats are compared to 1e-9, relative, for the reason test_inside.py gives (musl against glibc)."""
import json

import pytest

from microgpt.settings import DEFAULTS

from .helpers import ROOT, cpython_session, data_of, open_page, wait_for_state

SECTIONS = ["training-to-generation", "loop", "flowchart", "autoregressive", "kv-cache", "stopping",
            "no-gradients", "sampling", "terms"]
DEFAULT_RUN = {name: DEFAULTS[name] for name in ("steps", "seed", "n_embd", "n_head", "n_layer", "block_size", "engine")}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def same(expected):
    if isinstance(expected, float):
        return pytest.approx(expected, rel=1e-9, abs=1e-12)
    if isinstance(expected, (list, tuple)):
        return [same(item) for item in expected]
    return expected


def all_data(page, testid):
    return page.get_by_test_id(testid).evaluate_all("items => items.map(item => ({...item.dataset}))")


def section(page):
    return page.get_by_test_id("lesson").get_attribute("data-section")


def wait_for_count(page, testid, count):
    page.wait_for_function(f"document.querySelectorAll('[data-testid={testid}]').length === {count}")


def test_the_lesson_shows_the_numbers_cpython_computes_for_the_same_name(page, site_url):
    open_page(page, site_url, "learn=kv-cache&sample_seed=3")
    assert section(page) == "kv-cache"
    wait_for_count(page, "kv-cost", 4)  # the section started a name and ran it 4 turns
    wait_for_state(page, "ready")
    session, _ = cpython_session(**DEFAULT_RUN)
    session.inspect_start(temperature=0.5, seed=3)
    for _ in range(4):
        session.inspect_step()
    expected = session.lesson()

    shown = page.get_by_test_id("lesson").evaluate("element => ({...element.dataset})")
    assert (int(shown["numParams"]), int(shown["stepsTrained"])) == (4064, 500) == \
        (expected["num_params"], expected["steps_trained"])
    assert [(int(t["pos"]), t["input"], t["output"]) for t in all_data(page, "ar-turn")] == \
        [(t["pos"], t["input"], t["output"]) for t in expected["turns"]]
    vectors = all_data(page, "kv-vector")
    assert [(int(v["layer"]), int(v["pos"]), v["kind"]) for v in vectors] == \
        sorted((v["layer"], v["pos"], v["kind"]) for v in expected["kv"])
    by_place = {(v["layer"], v["pos"], v["kind"]): v["values"] for v in expected["kv"]}
    for v in vectors:
        values = json.loads(v["values"])
        assert len(values) == 16 and values == same(by_place[int(v["layer"]), int(v["pos"]), v["kind"]])
    for row in all_data(page, "kv-score"):
        layer, head = int(row["layer"]), int(row["head"])
        assert json.loads(row["scores"]) == same(expected["scores"][layer][head])
        assert json.loads(row["weights"]) == same(expected["attention"][layer][head])
    costs = all_data(page, "kv-cost")
    assert [(int(c["pos"]), int(c["with"]), int(c["without"]), c["sameLogits"]) for c in costs] == \
        [(c["pos"], c["with"], c["without"], "true") for c in expected["costs"]]
    assert [int(c["without"]) for c in costs] == [sum(int(c["with"]) for c in costs[:i + 1]) for i in range(4)]
    temperatures = all_data(page, "temp-dist")
    assert [float(t["temperature"]) for t in temperatures] == [t["temperature"] for t in expected["temperatures"]]
    for t, e in zip(temperatures, expected["temperatures"]):
        assert float(t["entropy"]) == same(e["entropy"]) and json.loads(t["probs"]) == same(e["probs"])
    choices = all_data(page, "sampling-choice")
    assert [c["sampling"] for c in choices] == ["temperature", "greedy", "top-k", "top-p"]
    for c, e in zip(choices, expected["choices"]):
        assert json.loads(c["probs"]) == same(e["probs"])

    # Stopping: the section runs the name to its end; BOS's probability at each position is CPython's.
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("document.querySelector('[data-testid=inside-state]').dataset.done === 'true'")
    while session.inspect_step() is not None and not session.stepper.done:
        pass
    turns = session.lesson()["turns"]
    wait_for_count(page, "bos-prob", len(turns))
    assert [float(b["prob"]) for b in all_data(page, "bos-prob")] == same([t["bos_prob"] for t in turns])
    page.get_by_test_id("lesson-run-on").click()
    page.wait_for_function("document.querySelector('[data-testid=run-on]').dataset.name !== undefined")
    run_on = data_of(page, "run-on")
    assert run_on["name"] == session.lesson_run_on(temperature=0.5, seed=3)["name"] and run_on["length"] == "8"

    # No gradients: measured in this tab, for the model's engine.
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("document.querySelector('[data-testid=grad-cost]').dataset.engine !== undefined")
    cost = data_of(page, "grad-cost")
    assert cost["engine"] == "fast" and float(cost["forwardMs"]) > 0 and float(cost["backwardMs"]) > 0
    assert "graphNodes" not in cost


def test_every_section_is_reached_with_the_keyboard_alone(page, site_url):
    open_page(page, site_url)
    for _ in range(40):  # Tab from the top of the page to the lesson's Next
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "lesson-next":
            break
    seen = [section(page)]
    for _ in SECTIONS[1:]:
        page.keyboard.press("Enter")
        seen.append(section(page))
    assert seen == SECTIONS
    assert page.get_by_test_id("lesson-next").is_disabled()
    assert page.evaluate("document.activeElement.dataset.testid") == "lesson-prev"  # the focus stays in the lesson
    for expected in reversed(SECTIONS[:-1]):
        page.keyboard.press("ArrowLeft")
        assert section(page) == expected
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    assert section(page) == "flowchart"
    # The flowchart: the box of the turn just run is current; Enter on a box lights its line.
    page.wait_for_function("document.querySelector('[data-testid=flow-step][aria-current=step]')")
    current = page.locator("[data-testid=flow-step][aria-current=step]").get_attribute("data-step")
    token = page.get_by_test_id("inside-state").get_attribute("data-token")
    assert current == ("done" if token == "BOS" else "append")
    page.locator("[data-testid=flow-step][data-step=softmax]").focus()
    page.keyboard.press("Enter")
    picked = page.locator("[data-testid=flow-code] .line.picked")
    assert "softmax(" in picked.inner_text()
    page.keyboard.press("ArrowRight")  # from a box: the next section, and the focus follows
    assert section(page) == "autoregressive"
    assert page.evaluate("document.activeElement.closest('[data-testid=lesson]') !== null")


def test_the_glossary_links_each_term_to_what_shows_it_and_a_bad_deep_link_is_said(page, site_url):
    open_page(page, site_url, "learn=terms")
    terms = page.get_by_test_id("glossary-term").evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href')])")
    assert {"inference", "autoregressive", "token", "BOS", "logits", "softmax", "temperature", "sampling",
            "KV cache", "stopping condition"} <= {term for term, _ in terms}
    for term, href in terms:
        assert page.locator(href).count() == 1, term
    page.get_by_test_id("glossary-term").filter(has_text="KV cache").click()
    assert section(page) == "kv-cache"
    page.goto(f"{site_url}?learn=nothing-here")
    wait_for_state(page, "ready")
    assert 'a lesson section "nothing-here" that there is not' in page.get_by_test_id("message").inner_text()
    assert section(page) == "training-to-generation"


def test_axe_finds_nothing_in_light_and_dark_and_at_390px_only_code_scrolls_sideways(page, site_url):
    page.set_viewport_size({"width": 390, "height": 800})
    open_page(page, site_url)
    page.add_script_tag(content=AXE.read_text())
    for name in SECTIONS:
        while section(page) != name:
            page.get_by_test_id("lesson-next").click()
        wait_for_state(page, "ready")
        page.wait_for_timeout(300)  # (what the section starts: a name, a measurement)
        wait_for_state(page, "ready")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        wider = page.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'
                         && e.offsetParent && e.tagName !== 'PRE')
            .map(e => e.id || e.className)""")
        assert wider == [], name
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => v.id + ': ' + "
                                       "v.nodes.map(n => n.target.join(' ')).join(', ')))")
            assert violations == [], (name, scheme)
