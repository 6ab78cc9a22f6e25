"""What the end-to-end tests share: driving the page (open, train, generate, wait), reading the
facts it publishes as data attributes, the package trained on CPython as the page trains, and
serving a folder (as is, or through a handler that misbehaves on purpose).

(tests/e2e is a package, so this module is `e2e.helpers`: tests/unit has a `helpers` of its own,
which test_pyodide.py imports by that name.)"""
import sys
from pathlib import Path

from microgpt.session import Session  # tests/conftest.py puts py/ on the path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # build.py and tools/, at the repo root
from tools.browser import poll  # noqa: E402,F401  (for the tests)
from tools.serving import Handler, serve_in_background, url_of  # noqa: E402,F401  (url_of: for the tests)

STATUS = "[data-testid=status]"
# The status of a first visit: the default run, trained at build time, is open (build.py).
BUILT_READY = ("Ready — showing a model trained at build time with the default settings; press Train to train "
               "your own here")
SMALL = "steps=20&n_embd=8&n_head=2&block_size=6&engine=reference"
# The number of runs this tab autosaved in the browser (storage.js), or -1 when there is no saved record.
SAVED_RUNS = """new Promise((resolve) => {
    const request = indexedDB.open("microgpt", 1);
    request.onsuccess = () => {
        const get = request.result.transaction("autosave").objectStore("autosave").get("tab:" + document.body.dataset.tab);
        get.onsuccess = () => { request.result.close(); resolve(get.result?.runs?.length ?? -1); };
    };
})"""


def start_server(directory, handler=Handler):
    """Serve `directory` on 127.0.0.1 at a free port, in a daemon thread."""
    return serve_in_background(directory, handler)[0]


def send(status, content_type, body):
    """A TamperingHandler action (conftest.py): answer with this status, type and body."""
    def action(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return action


def open_page(page, site_url, query=""):
    page.goto(f"{site_url}?{query}")
    wait_for_state(page, "ready")


def wait_for_state(page, state, timeout=120_000):
    page.wait_for_function(f"document.body.dataset.state === '{state}'", timeout=timeout, polling=50)


def train(page, timeout=120_000):
    """Train with the page's settings and wait until the run is over."""
    page.get_by_test_id("train").click()
    wait_for_state(page, "ready", timeout)


def generated_names(page):
    return page.get_by_test_id("sample").all_inner_texts()


def generate(page, samples, pace=0, sample_seed=""):
    """Generate names and wait until all of them have been typed out."""
    page.get_by_test_id("sample-count").fill(str(samples))
    page.get_by_test_id("sample-seed").fill(str(sample_seed))
    page.get_by_test_id("pace").fill(str(pace))
    page.get_by_test_id("generate").click()
    wait_for_state(page, "ready")
    assert not page.locator("[data-testid=sample].typing").count()
    return generated_names(page)


def data_of(page, testid):
    """The data attributes of the element with this test id, as the page set them (camelCase
    keys, as in element.dataset: data-model-step is "modelStep")."""
    return page.get_by_test_id(testid).evaluate("element => ({...element.dataset})")


def progress(page):
    """(steps done, the run's steps), from the progress line's data-step and data-steps."""
    shown = data_of(page, "progress")
    return int(shown["step"]), int(shown["steps"])


def cpython_session(steps, seed, n_embd, n_head, n_layer, block_size, engine, text=None):
    """The package on CPython, trained as the page trains (on names.txt, or this text); also
    every loss."""
    session = Session(text or (ROOT / "data" / "names.txt").read_text(encoding="utf-8"))
    session.start_training(steps, seed, n_embd, n_head, n_layer, block_size, engine)
    losses = []
    while len(losses) < steps:
        losses += session.train(seconds=1.0)["losses"]
    return session, losses


def cpython_names(session, samples, temperature, seed=None, prefix=""):
    """The names the package generates on CPython, as the page asks for them."""
    return [event["name"] for event in session.generate(samples, temperature, seed, prefix) if "name" in event]
