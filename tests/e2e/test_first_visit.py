"""A first visit on a real network (issue 21): from a host that gzips, on a 20 Mbit/s link with
40 ms of latency (Chromium's own emulation, which throttles the worker too), the page is Ready
having moved at most 6 MB, booted from the zip Python starts with and not the memory snapshot; it
fetches no file twice, not even when the service worker makes its offline copy; the lab's edits
import anything else of the standard library, fetched the first time, offline too."""
import collections

from microgpt import lab

from .helpers import cpython_session, open_page, poll, start_server, url_of, wait_for_state
from .test_lab import open_lab, run_lab, use_file
from .test_offline import EXPECTED_NAMES, load_phases, reload_through_the_service_worker
from tools.browser import emulate_network
from tools.serving import GzipHandler, LoggingSent, before_the_service_worker

MB = 1e6
WHOLE_STDLIB = "python_stdlib.zip"
DEFAULT_RUN = dict(steps=500, seed=42, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
# The greedy loop, importing two modules the cut-down standard library left out.
IMPORTING = lab.preset("greedy").replace(
    "def sample(gpt, model, temperature, rng):\n",
    "import fractions\nimport statistics\n\n\ndef sample(gpt, model, temperature, rng):\n", 1).replace(
    "    name = []\n", "    name = []\n    temperature = float(fractions.Fraction(statistics.mean([temperature])))\n", 1)


def recording_server(directory):
    """A server of directory, gzipping, that notes each file it sends in full: (server, [(path,
    bytes), …] in order)."""
    recording = type("Recording", (LoggingSent, GzipHandler), {"sent": []})
    return start_server(directory, recording), recording.sent


def cached(path):
    return f"caches.match({path!r}, {{ignoreSearch: true}}).then(Boolean)"


def test_a_first_visit_on_a_slow_link_moves_under_6_mb_and_fetches_each_file_once(page, dist):
    server, sent = recording_server(dist)
    cdp = emulate_network(page, 20, 40)
    page.goto(url_of(server))  # (the bare address: the service worker's copy of "./" is then this one)
    wait_for_state(page, "ready")
    before_ready = before_the_service_worker(sent)
    assert sum(size for _, size in before_ready) <= 6 * MB, before_ready
    assert load_phases(page)["snapshot"] is False  # (on this link the snapshot would cost more than it saves)
    fetched = {path for path, _ in before_ready}
    for not_yet in ("/snapshot.bin.gz", f"/pyodide-314.0.7/{WHOLE_STDLIB}", "/lab/editor.js", "/data/cities.txt"):
        assert not_yet not in fetched
    assert {"/python-core.zip", "/data/names.txt", "/models/microgpt-names-500steps-seed42.json"} <= fetched
    # The model trained at build time, booted the plain way: microgpt.py's names.
    page.get_by_test_id("pace").fill("0")
    page.get_by_test_id("sample-count").fill("20")
    page.get_by_test_id("generate").click()
    wait_for_state(page, "generating")
    wait_for_state(page, "ready")
    assert page.get_by_test_id("sample").all_inner_texts() == EXPECTED_NAMES
    # The offline copy, on a fast link again: what the visit has is revalidated, not downloaded again.
    emulate_network(page, cdp=cdp)
    poll(page, cached("snapshot.bin.gz") + f" && {cached('pyodide-314.0.7/' + WHOLE_STDLIB)}")
    server.shutdown()
    server.server_close()
    twice = [path for path, count in collections.Counter(path for path, _ in sent).items() if count > 1]
    assert twice == [], sent


def run_importing_edit(page, tmp_path):
    page.get_by_test_id("pace").fill("0")
    if page.get_by_test_id("lab-open").is_visible():
        open_lab(page)
    else:  # (an edit in the address opens the lab itself)
        page.wait_for_function("document.querySelector('[data-testid=lab]').dataset.editor === 'codemirror'")
    use_file(page, tmp_path, "importing.py", IMPORTING)
    return run_lab(page)


def expected_lab_names():
    session, _ = cpython_session(**DEFAULT_RUN)  # the model trained at build time
    return [[e["name"], e["original"]] for e in session.lab_run(IMPORTING, 4, 0.5, 3) if "name" in e]


def test_an_edit_imports_the_rest_of_the_standard_library_fetched_when_first_imported(browser, dist, tmp_path):
    server, sent = recording_server(dist)
    context = browser.new_context(service_workers="block")  # (no offline copy, which would fetch it too)
    try:
        page = context.new_page()
        open_page(page, url_of(server), "samples=4&sample_seed=3")
        assert [path for path, _ in sent if path.endswith(WHOLE_STDLIB)] == []
        assert run_importing_edit(page, tmp_path) == expected_lab_names()
        assert [path for path, _ in sent if path.endswith(WHOLE_STDLIB)] == [f"/pyodide-314.0.7/{WHOLE_STDLIB}"]
        assert run_importing_edit(page, tmp_path) == expected_lab_names()  # (once: it is here now)
        assert len([path for path, _ in sent if path.endswith(WHOLE_STDLIB)]) == 1
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_offline_an_edit_imports_the_rest_of_the_standard_library_from_the_offline_copy(page, dist, tmp_path):
    server = start_server(dist)
    open_page(page, url_of(server), "samples=4&sample_seed=3")
    poll(page, cached(f"pyodide-314.0.7/{WHOLE_STDLIB}"))
    reload_through_the_service_worker(page)
    assert run_importing_edit(page, tmp_path) == expected_lab_names()  # (the lab's editor is kept once opened)
    server.shutdown()
    server.server_close()
    page.reload()
    wait_for_state(page, "ready")
    assert run_importing_edit(page, tmp_path) == expected_lab_names()
