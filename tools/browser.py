"""Headless Chromium for the end-to-end tests and the benchmark.

Debian's /usr/bin/chromium where it exists (Playwright cannot download browsers on every
machine), else Playwright's own build.
"""
import time
from pathlib import Path

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# As root, and kept off the network: without these Chromium keeps calling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright):
    executable = str(SYSTEM_CHROMIUM) if SYSTEM_CHROMIUM.exists() else None
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def poll(page, expression, timeout=120):
    """Wait until expression (which may be a promise) is truthy in the page, across its reloads.
    (Playwright's wait_for_function takes a promise for a truthy answer at once.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Exception as error:  # (the page navigated mid-question: ask again)
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"never true: {expression}")
        page.wait_for_timeout(20)


def emulate_network(page, mbits=None, latency_ms=0, cdp=None):
    """Chromium's network emulation for the page and its workers (CDP): mbits down and up, and
    latency_ms a request; mbits None lifts it. Returns the CDP session: pass it to change it."""
    if cdp is None:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
    throughput = -1 if mbits is None else mbits * 1e6 / 8
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                  "downloadThroughput": throughput, "uploadThroughput": throughput})
    return cdp
