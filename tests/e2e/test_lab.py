"""The lab: an edited loop runs on the model in the page, beside the original, as CPython runs it;
errors name their line; a runaway edit is stopped and nothing is lost; the edit travels in a link
and never runs by itself; the editor is loaded only when the lab is opened."""
import subprocess
import sys
from pathlib import Path

from microgpt import lab

from .helpers import cpython_session, data_of, open_page, poll, wait_for_state

DEFAULT_RUN = dict(steps=500, seed=42, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
SAMPLES, SEED = 6, 3


def open_lab(page):
    page.get_by_test_id("lab-open").click()
    page.wait_for_function("document.querySelector('[data-testid=lab]').dataset.editor")
    assert page.get_by_test_id("lab").get_attribute("data-editor") == "codemirror"


def run_lab(page):
    page.get_by_test_id("lab-run").click()
    wait_for_state(page, "ready")
    page.wait_for_function("!document.querySelector('[data-testid=lab-sample].typing')")
    return page.get_by_test_id("lab-sample").evaluate_all("items => items.map(item => [item.dataset.name, "
                                                          "item.dataset.original])")


def use_file(page, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.get_by_test_id("lab-file").set_input_files(str(path))
    page.wait_for_function("text => document.querySelector('#lab-editor .cm-content').innerText.includes(text)",
                           arg=text.splitlines()[1].strip())


def run_a_runaway_and_stop_it(page, tmp_path):
    use_file(page, tmp_path, "runaway.py", "def sample(gpt, model, temperature, rng):\n    while True:\n        pass\n")
    page.get_by_test_id("lab-run").click()
    wait_for_state(page, "generating")
    page.wait_for_timeout(300)
    page.get_by_test_id("lab-stop").click()
    wait_for_state(page, "ready")


def cpython_lab(session, source):
    events = list(session.lab_run(source, SAMPLES, 0.5, SEED))
    return [[event["name"], event["original"]] for event in events if "name" in event]


def test_the_lab_runs_an_edit_as_cpython_does_and_stops_a_runaway_keeping_everything(page, site_url, tmp_path):
    editor_requests = []
    page.on("request", lambda request: "lab/editor.js" in request.url and editor_requests.append(request.url))
    open_page(page, site_url, f"samples={SAMPLES}&sample_seed={SEED}")
    assert editor_requests == []  # a first visit does not pay for the editor
    open_lab(page)
    assert len(editor_requests) == 1
    session, _ = cpython_session(**DEFAULT_RUN)  # the model trained at build time

    # The original loop writes the Generate card's names; a preset is an edit, shown as a diff.
    page.get_by_test_id("pace").fill("0")
    original = run_lab(page)
    assert original == cpython_lab(session, lab.preset("original"))
    assert all(name == first for name, first in original)
    assert page.get_by_test_id("lab-agree").get_attribute("data-same") == str(SAMPLES)
    page.get_by_test_id("lab-preset").select_option("greedy")
    page.wait_for_function("document.querySelector('#lab-editor .cm-content').innerText.includes('greedy')")
    assert int(page.get_by_test_id("lab-diff").get_attribute("data-changed")) == 2
    greedy = run_lab(page)
    assert greedy == cpython_lab(session, lab.preset("greedy"))
    # The script: one file, plain python3, the same names.
    with page.expect_download() as download:
        page.get_by_test_id("lab-script").click()
    printed = subprocess.run([sys.executable, "-I", download.value.path()], capture_output=True, text=True, timeout=60)
    assert printed.stdout.splitlines() == [name for name, _ in greedy]

    # Errors: print()'s output, the traceback, and the failing line marked in the editor.
    use_file(page, tmp_path, "broken.py", "def sample(gpt, model, temperature, rng):\n    print('before')\n"
                                          "    return name_that_is_not\n")
    run_lab(page)
    output = page.get_by_test_id("lab-output")
    assert output.inner_text().startswith("before\nTraceback")
    assert "NameError: name 'name_that_is_not' is not defined (line 3)" in output.inner_text()
    assert output.get_attribute("data-line") == "3"
    assert page.locator("#lab-editor .lab-failed-line").inner_text().strip() == "return name_that_is_not"
    use_file(page, tmp_path, "syntax.py", "def sample(gpt, model, temperature, rng)\n    pass\n")
    run_lab(page)
    assert "line 1: expected ':'" in output.inner_text()

    # A runaway: Stop ends it, and the model, the page's state and the edit are all kept.
    run_a_runaway_and_stop_it(page, tmp_path)
    assert "your loop was stopped" in page.get_by_test_id("status").inner_text()
    assert "while True" in page.locator("#lab-editor .cm-content").inner_text()
    assert data_of(page, "status")["modelStep"] == "500"
    page.get_by_test_id("lab-preset").select_option("top-k")
    page.wait_for_function("document.querySelector('#lab-editor .cm-content').innerText.includes('top_k = 5')")
    assert run_lab(page) == cpython_lab(session, lab.preset("top-k"))


def test_an_edit_travels_in_the_link_and_never_runs_by_itself(page, site_url, browser):
    open_page(page, site_url, f"samples={SAMPLES}&sample_seed={SEED}")
    open_lab(page)
    page.get_by_test_id("pace").fill("0")
    page.get_by_test_id("lab-preset").select_option("ignore-bos")
    page.wait_for_function("document.querySelector('#lab-editor .cm-content').innerText.includes('never BOS')")
    names = run_lab(page)
    assert {len(name) for name, _ in names} == {8}
    link = page.url
    assert "#code=" in link
    with page.expect_download() as download:
        page.get_by_test_id("lab-download").click()
    assert "never BOS" in Path(download.value.path()).read_text()
    # The edit is kept with the model: a bare address (no link of its own) brings both back.
    page.goto(site_url)
    wait_for_state(page, "ready")
    open_lab(page)
    assert "never BOS" in page.locator("#lab-editor .cm-content").inner_text()
    assert not page.get_by_test_id("lab-from-link").is_visible()
    fresh = browser.new_context().new_page()
    fresh.goto(link)
    wait_for_state(fresh, "ready")
    fresh.wait_for_function("document.querySelector('[data-testid=lab]').dataset.editor")
    assert fresh.get_by_test_id("lab-from-link").is_visible()
    assert "never BOS" in fresh.locator("#lab-editor .cm-content").inner_text()
    fresh.wait_for_timeout(500)
    assert fresh.get_by_test_id("lab-sample").count() == 0  # shown, not run
    fresh.get_by_test_id("pace").fill("0")
    assert run_lab(fresh) == names
    assert not fresh.get_by_test_id("lab-from-link").is_visible()
    fresh.goto(link.split("#")[0] + "#code=not-a-packed-loop")
    fresh.reload()  # (a new fragment alone does not load the page again)
    wait_for_state(fresh, "ready")
    assert "The lab's code in this link is damaged or too big" in fresh.get_by_test_id("message").inner_text()
    fresh.context.close()


def test_the_editor_is_not_precached_for_a_first_visit(dist):
    precached = (Path(dist) / "precache.json").read_text()
    assert "lab/editor.js" not in precached and (Path(dist) / "lab" / "editor.js").stat().st_size > 100_000


def isolated_page(page, site_url):
    """A page its service worker served, so cross-origin isolated: Stop uses the interrupt buffer."""
    open_page(page, site_url, f"samples={SAMPLES}&sample_seed={SEED}")
    poll(page, "navigator.serviceWorker.getRegistration().then((registration) => "
               "registration?.active?.state === 'activated')")
    for _ in range(3):  # (the first navigation after activation may still come from the network)
        page.reload()
        wait_for_state(page, "ready")
        if page.evaluate("crossOriginIsolated"):
            return
    raise AssertionError("the service worker did not make the page cross-origin isolated")


def test_where_the_page_is_isolated_stop_interrupts_python_and_the_worker_lives_on(page, site_url, tmp_path):
    isolated_page(page, site_url)
    open_lab(page)
    page.get_by_test_id("pace").fill("0")
    run_a_runaway_and_stop_it(page, tmp_path)
    assert page.get_by_test_id("lab").get_attribute("data-stopped-by") == "interrupt"
    assert page.get_by_test_id("lab-output").inner_text().strip() == "stopped at line 3"
    assert "restart" not in page.get_by_test_id("status").inner_text()  # the same worker, its model as it was
    page.get_by_test_id("lab-preset").select_option("top-p")
    page.wait_for_function("document.querySelector('#lab-editor .cm-content').innerText.includes('top_p = 0.9')")
    session, _ = cpython_session(**DEFAULT_RUN)
    assert run_lab(page) == cpython_lab(session, lab.preset("top-p"))


def test_an_edit_that_eats_all_memory_ends_with_a_clear_message(page, site_url, tmp_path):
    open_page(page, site_url)
    open_lab(page)
    use_file(page, tmp_path, "hungry.py", "def sample(gpt, model, temperature, rng):\n    grown = []\n"
                                          "    while True:\n        grown.append(bytearray(10**7))\n")
    page.get_by_test_id("lab-run").click()
    wait_for_state(page, "generating")
    wait_for_state(page, "ready")
    assert page.get_by_test_id("lab-output").inner_text().strip().endswith("the loop ran out of memory")
    assert "your loop failed" in page.get_by_test_id("status").inner_text()
    assert data_of(page, "status")["modelStep"] == "500"


def test_stop_while_names_are_typed_only_stops_the_typing_and_an_unrun_edit_survives_a_reload(page, site_url):
    open_page(page, site_url, f"samples={SAMPLES}&sample_seed={SEED}")
    open_lab(page)
    page.get_by_test_id("pace").fill("200")  # (Python is done long before the names are typed)
    page.get_by_test_id("lab-run").click()
    page.wait_for_function("document.querySelector('[data-testid=lab-sample]')")
    page.get_by_test_id("lab-stop").click()
    wait_for_state(page, "ready")
    assert page.get_by_test_id("lab").get_attribute("data-stopped-by") != "restart"
    assert "restart" not in page.get_by_test_id("status").inner_text().lower()
    # An edit never run is kept with the model, and the address says it: a reload brings it back.
    page.get_by_test_id("lab-preset").select_option("no-kv-cache")
    page.wait_for_function("location.hash.includes('code=')")
    page.reload()
    wait_for_state(page, "ready")
    page.wait_for_function("document.querySelector('[data-testid=lab]').dataset.editor")  # (it came with the address)
    assert "no cache" in page.locator("#lab-editor .cm-content").inner_text()
