"""The first visit on a real network: the page served gzipped (tools/serving.GzipHandler, as
GitHub Pages and nginx serve it), through Chromium's network emulation (CDP
Network.emulateNetworkConditions, which throttles the worker's downloads too), against a bare
loadPyodide() of the same Pyodide files on the same link in the same run (tools/bare_boot/).

Each row: the bytes on the wire to Ready (counted at the server, every request of the page,
its worker and its service worker), seconds to Ready, seconds to the first name typed (Generate
pressed at Ready, on the model trained at build time), and Ready as a ratio to the bare boot.
Run by tools/bench.py.
"""
import statistics
import time
from pathlib import Path

from tools.browser import emulate_network, poll
from tools.serving import GzipHandler, LoggingSent, before_the_service_worker, serve_in_background

BARE_BOOT = Path(__file__).resolve().parent / "bare_boot"

# name → (download Mbit/s, latency ms, loads of each kind); None: no emulation.
LINKS = {
    "20 Mbit/s, 40 ms": (20, 40, 5),
    "5 Mbit/s, 100 ms": (5, 100, 1),
    "unlimited": (None, 0, 3),
}


class CountingGzipHandler(LoggingSent, GzipHandler):
    """GzipHandler noting what it sends; /__bare/ is the yardstick page."""

    def translate_path(self, path):
        if path.startswith("/__bare/"):
            return str(BARE_BOOT / path.split("?")[0].removeprefix("/__bare/"))
        return super().translate_path(path)


def visit(browser, handler, url, link, first_name):
    """One first visit with an empty cache: (bytes to Ready, seconds to Ready, seconds to the first name)."""
    context = browser.new_context()
    page = context.new_page()
    mbits, latency, _ = LINKS[link]
    emulate_network(page, mbits, latency)
    handler.sent.clear()
    start = time.perf_counter()
    page.goto(url)
    poll(page, "['ready', 'failed'].includes(document.body.dataset.state)", timeout=300)
    ready = time.perf_counter() - start
    sent = sum(size for _, size in before_the_service_worker(handler.sent))
    if page.evaluate("document.body.dataset.state") == "failed":
        raise RuntimeError(f"{url} failed to load")
    name = None
    if first_name:
        page.get_by_test_id("pace").fill("0")
        page.get_by_test_id("generate").click()
        poll(page, "document.querySelector('[data-testid=sample]')?.textContent.length > 0")
        name = time.perf_counter() - start
    context.close()
    return sent, ready, name


def figures(browser, dist, pyodide_dir):
    handler = type("Handler", (CountingGzipHandler,), {"sent": []})
    server, url = serve_in_background(dist, handler)
    bare_url = f"{url}__bare/index.html?pyodide={pyodide_dir}"
    visit(browser, handler, url, "unlimited", first_name=False)  # (the server gzips each file once, now)
    visit(browser, handler, bare_url, "unlimited", first_name=False)
    result = {}
    for link, (_, _, runs) in LINKS.items():
        page_runs = [visit(browser, handler, url, link, first_name=True) for _ in range(runs)]
        bare_runs = [visit(browser, handler, bare_url, link, first_name=False) for _ in range(runs)]
        median = lambda runs, i: statistics.median(run[i] for run in runs)
        result[link] = {"bytes": median(page_runs, 0), "ready": median(page_runs, 1),
                        "name": median(page_runs, 2), "bare bytes": median(bare_runs, 0),
                        "bare": median(bare_runs, 1), "runs": runs}
    server.shutdown()
    return result


def table(result, warm):
    """The rows; warm: seconds to Ready on a later visit (bench_load's), for its ratio to the bare boot."""
    lines = ["| link (first visit, gzip, empty cache) | bytes to Ready | Ready | first name | bare loadPyodide() "
             "| Ready / bare | first name / bare |", "|---|---|---|---|---|---|---|"]
    for link, row in result.items():
        lines.append(f"| {link} (median of {row['runs']}) | {row['bytes'] / 1e6:.1f} MB | {row['ready']:.2f} s | "
                     f"{row['name']:.2f} s | {row['bare']:.2f} s, {row['bare bytes'] / 1e6:.1f} MB | "
                     f"{row['ready'] / row['bare']:.2f}× | {row['name'] / row['bare']:.2f}× |")
    lines.append(f"\nA later visit (from the service worker's copy; the loading table's warm load): Ready in "
                 f"{warm:.2f} s, {warm / result['unlimited']['bare']:.2f}× the bare boot on the unlimited link.")
    return "\n".join(lines)


if __name__ == "__main__":  # python3 -m tools.bench_network: these rows alone, on the built dist/
    import json
    import sys

    from playwright.sync_api import sync_playwright

    from tools.browser import launch_chromium

    dist = Path(__file__).resolve().parent.parent / "dist"
    manifest = json.loads((dist / "manifest.json").read_text())
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        result = figures(browser, dist, manifest["pyodide"])
        browser.close()
    print(table(result, warm=float("nan")))
    if "-v" in sys.argv:
        print(json.dumps(result, indent=1))
