"""The loading benchmark: how long the page takes to be Ready, phase by phase, cold (empty
cache), warm (second visit, through the service worker) and without the memory snapshot; the
time to the first generated name; and the bytes a first visit transfers. Run by tools/bench.py.
"""
import gzip
import json
import statistics
import time
from pathlib import Path

from tools.browser import poll
from tools.serving import Handler, LoggingSent, before_the_service_worker, serve_in_background

RUNS = 3  # loads of each kind; the median is reported


class CountingHandler(LoggingSent, Handler):
    """The site's handler, noting what it sends; with `no_snapshot`, the snapshot is missing
    (the page boots the plain way)."""
    no_snapshot = False

    def do_GET(self):
        if self.no_snapshot and self.path.split("?")[0].endswith("snapshot.bin.gz"):
            return self.send_error(404)
        return super().do_GET()


def serve(directory, no_snapshot=False):
    handler = type("Handler", (CountingHandler,), {"sent": [], "no_snapshot": no_snapshot})
    server, url = serve_in_background(directory, handler)
    return server, handler, url


def wait_state(page, state, timeout=120_000):
    page.wait_for_function(f"document.body.dataset.state === '{state}'", timeout=timeout, polling=5)


def load_seconds(page, url):
    start = time.perf_counter()
    page.goto(url)
    wait_state(page, "ready")
    return time.perf_counter() - start, json.loads(page.evaluate("document.body.dataset.loadPhases"))


def first_name_seconds(browser, url, train=True):
    """Open the page cold, train the default run (or not: the model trained at build time is
    there), Generate: seconds to the first character."""
    context = browser.new_context()
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    wait_state(page, "ready")
    page.get_by_test_id("pace").fill("0")
    if train:
        page.get_by_test_id("train").click()
        wait_state(page, "training")
        wait_state(page, "ready")
    page.get_by_test_id("generate").click()
    page.wait_for_function("document.querySelector('[data-testid=sample]')?.textContent.length > 0", polling=5)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


# What the lesson adds to a first visit: its scripts (in web/; dist/ has them in main.js), and
# the model trained at build time.
WEB = Path(__file__).resolve().parent.parent / "web"
LESSON_FILES = ("panels/lesson.js", "panels/lesson-figures.js", "actions/lesson.js", "widgets/loop-code.js",
                "widgets/flowchart.js")


def lesson_bytes(dist):
    """(raw, gzipped) bytes of the lesson's scripts, and of the built model's files."""
    sizes = lambda paths: (sum(len(path.read_bytes()) for path in paths),
                           sum(len(gzip.compress(path.read_bytes(), 6)) for path in paths))
    return sizes([WEB / name for name in LESSON_FILES]), sizes(sorted((dist / "models").iterdir()))


def figures(browser, dist):
    result = {}
    server, handler, url = serve(dist)
    cold = []
    for _ in range(RUNS):
        context = browser.new_context()
        handler.sent.clear()
        cold.append(load_seconds(context.new_page(), url))
        result["first visit bytes"] = sum(size for _, size in before_the_service_worker(handler.sent))
        context.close()
    result["cold"] = statistics.median(seconds for seconds, _ in cold)
    result["phases"] = sorted(cold, key=lambda run: run[0])[RUNS // 2][1]
    # Warm: a second visit, once the service worker has the site (and a few reloads in).
    context = browser.new_context()
    page = context.new_page()
    handler.sent.clear()
    load_seconds(page, url)
    poll(page, """(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'
        && (await caches.keys()).some(name => name.startsWith('microgpt-')))()""")
    result["with precache bytes"] = sum(size for _, size in handler.sent)
    warm = []
    for _ in range(RUNS + 2):
        start = time.perf_counter()
        page.reload()
        wait_state(page, "ready")
        warm.append(time.perf_counter() - start)
    result["warm"] = statistics.median(warm[2:])  # (the first reloads may still go to the network)
    context.close()
    result["first name"] = first_name_seconds(browser, url)
    result["first name untrained"] = statistics.median(first_name_seconds(browser, url, train=False) for _ in range(RUNS))
    result["lesson scripts"], result["built model"] = lesson_bytes(dist)
    server.shutdown()
    # The plain boot, for comparison: the same site without its snapshot.
    server, handler, url = serve(dist, no_snapshot=True)
    plain = []
    for _ in range(RUNS):
        context = browser.new_context()
        plain.append(load_seconds(context.new_page(), url))
        context.close()
    result["plain"] = statistics.median(seconds for seconds, _ in plain)
    result["plain phases"] = sorted(plain, key=lambda run: run[0])[RUNS // 2][1]
    server.shutdown()
    return result


def table(load):
    phases = load["phases"]
    plain = load["plain phases"]
    mb = lambda n: f"{n / 1e6:.1f} MB"
    kb = lambda n: f"{n / 1e3:.0f} kB"
    return "\n".join([
        "| measure | value |",
        "|---|---|",
        f"| Browser: cold load to Ready, snapshot (target ≤ 1.5 s) | {load['cold']:.2f} s |",
        f"| … ms from the page's start: manifest / Pyodide's scripts / Python restored | {phases['manifest']} / "
        f"{phases['scripts']} / {phases['python ready']} ms |",
        f"| … then: the page hears Python is ready / dataset / the built model opened and Ready | "
        f"{phases['python requested']} / {phases['dataset']} / {phases['ready']} ms |",
        f"| Browser: cold load to Ready, plain boot (no snapshot) | {load['plain']:.2f} s |",
        f"| … ms from the page's start: Python booted / Ready | {plain['python ready']} / {plain['ready']} ms |",
        f"| Browser: warm load to Ready, service worker (target ≤ 1.0 s) | {load['warm']:.2f} s |",
        f"| Browser: time to first name, cold, default run (target ≤ 4.5 s) | {load['first name']:.2f} s |",
        f"| Browser: time to first name, cold, no training (the model built in) | {load['first name untrained']:.2f} s |",
        f"| The lesson's scripts, raw / gzipped | {kb(load['lesson scripts'][0])} / {kb(load['lesson scripts'][1])} |",
        f"| The model trained at build time (checkpoint and losses), raw / gzipped | {kb(load['built model'][0])} / "
        f"{kb(load['built model'][1])} |",
        f"| Bytes transferred, first visit to Ready (served uncompressed; the snapshot's path) | "
        f"{mb(load['first visit bytes'])} |",
        f"| Bytes transferred, first visit with the offline copy | {mb(load['with precache bytes'])} |",
    ])
