"""Headless Chromium for the end-to-end tests and the benchmark.

Debian's /usr/bin/chromium where it exists (Playwright cannot download browsers on every
machine), else Playwright's own build.
"""
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
