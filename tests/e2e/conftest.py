"""Fixtures for the end-to-end tests: the built site, served on loopback, and headless Chromium.

Every test that uses `page` also checks, after it ran, that the page (and its workers) logged no
console error, threw no uncaught error, and sent no request anywhere but 127.0.0.1. A test that
provokes an error on purpose removes what it expected from the `problems` list.

Every test in this folder is marked `e2e`: `python3 -m pytest -m "not e2e"` leaves them out.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (build.py at the repo root)
from tools.browser import launch_chromium  # noqa: E402
from .helpers import Handler, start_server, url_of  # noqa: E402

HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 60_000  # loading Pyodide alone takes ~5 s here; leave room for a slow machine


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def dist():
    """dist/, built once per test session from the working tree."""
    try:
        return build.build()
    except build.BuildError as error:
        pytest.fail(f"build.py failed: {error}", pytrace=False)


@pytest.fixture
def serve_directory():
    """A function that serves a folder on 127.0.0.1 and returns its URL; stopped after the test.
    (Ask for it before `page`, so the page closes before its server does.)"""
    servers = []

    def serve_directory(directory):
        servers.append(start_server(directory))
        return url_of(servers[-1])

    yield serve_directory
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(dist):
    """The URL (ending in /) of dist/ served on 127.0.0.1."""
    server = start_server(dist)
    yield url_of(server)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def sync_api():
    """Playwright's sync API; without Playwright the e2e tests are skipped, except on CI."""
    if os.environ.get("CI"):
        import playwright.sync_api as api
    else:
        api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    return api


@pytest.fixture(scope="session")
def browser(sync_api):
    """Headless Chromium: Debian's /usr/bin/chromium where it exists, else Playwright's own."""
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def is_local(url):
    """True for a URL that stays on this machine's loopback server (or never touches a network)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@pytest.fixture
def problems():
    """What went wrong in the browser during the test; the `page` fixture fails the test unless empty."""
    return []


@pytest.fixture
def page(browser, problems):
    """A fresh page in its own browser context (no shared cache or storage between tests)."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    # On the context, so requests from workers are seen too.
    context.on("request", lambda request: is_local(request.url) or problems.append(
        f"request left 127.0.0.1: {request.method} {request.url}"))
    page = context.new_page()
    # Console messages of the page's workers arrive here too.
    page.on("console", lambda message: message.type == "error" and problems.append(
        f"console error: {message.text} ({message.location.get('url')})"))
    page.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))
    yield page
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


class TamperingHandler(Handler):
    """The site's handler, except for the paths in `tamper` (suffix → action(handler)): a server
    that is misconfigured, missing files or slow, on purpose."""
    tamper = {}

    def do_GET(self):
        path = urlsplit(self.path).path
        for suffix, action in self.tamper.items():
            if path.endswith(suffix):
                return action(self)
        return super().do_GET()


@pytest.fixture
def tampered_site(dist):
    """A function(tamper) → URL of dist/ served by a TamperingHandler; stopped after the test."""
    servers = []

    def tampered_site(tamper):
        handler = type("Handler", (TamperingHandler,), {"tamper": tamper})
        servers.append(start_server(dist, handler))
        return url_of(servers[-1])

    yield tampered_site
    for server in servers:
        server.shutdown()
        server.server_close()
