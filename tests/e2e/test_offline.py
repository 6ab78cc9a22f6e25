"""Instant and offline: the page starts from a memory snapshot (falling back to a plain boot by
itself), works with the network off after a first visit, replaces one build's files with the
next only whole, and can be installed."""
import gzip
import json
import os
import shutil

import build
from .helpers import ROOT, Handler, generate, open_page, poll, send, start_server, train, url_of, wait_for_state

EXPECTED_NAMES = (ROOT / "tests" / "data" / "names-default-500steps.names").read_text(encoding="utf-8").splitlines()
SNAPSHOT = "snapshot.bin.gz"


def load_phases(page):
    return json.loads(page.evaluate("document.body.dataset.loadPhases"))


def warnings_of(page):
    seen = []
    page.on("console", lambda message: message.type == "warning" and seen.append(message.text))
    return seen


def test_a_visit_after_the_first_restores_the_snapshot_and_gives_the_names_of_microgpt(page, site_url):
    open_page(page, site_url)
    wait_for_offline_copy(page)
    reload_through_the_service_worker(page)  # (the snapshot comes from the offline copy)
    assert load_phases(page)["snapshot"] is True
    train(page)
    assert generate(page, samples=20) == EXPECTED_NAMES


def test_a_missing_broken_or_mismatched_snapshot_falls_back_to_the_plain_boot(tampered_site, page, problems):
    not_gzip = send(200, "application/gzip", b"this is not gzip")
    wrong_build = send(200, "application/gzip", gzip.compress(b"\0" * 4096))  # no snapshot's magic number
    missing = send(404, "text/plain", b"")
    for tamper in (not_gzip, wrong_build, missing):
        warnings = warnings_of(page)
        page.goto(tampered_site({SNAPSHOT: tamper}))
        wait_for_state(page, "ready")
        assert load_phases(page)["snapshot"] is False
        assert any("starting Python the plain way" in warning for warning in warnings), warnings
    train(page)  # the plain boot gives the same names
    assert generate(page, samples=20) == EXPECTED_NAMES
    problems.clear()  # (the 404 is logged by the browser)


def wait_for_offline_copy(page):
    """Until the service worker is active, its cache complete (it takes over at the next load)."""
    poll(page, """(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'
        && (await caches.keys()).some(name => name.startsWith('microgpt-')))()""")


def reload_through_the_service_worker(page):
    """Reload until the service worker answers the navigation itself: Chromium hands it
    navigations a moment after it takes control (once its registration is stored)."""
    for _ in range(40):
        page.reload()
        wait_for_state(page, "ready")
        if page.evaluate("performance.getEntriesByType('navigation')[0].workerStart") > 0:
            return
        page.wait_for_timeout(250)
    raise AssertionError("the service worker never answered a navigation")


def test_after_a_first_visit_the_page_loads_and_trains_offline(page, dist):
    # The site's own server, stopped after the first visit: nothing can come from the network.
    # (Chromium's offline emulation also stops a service worker's navigations, so the test
    # takes the server away instead.)
    server = start_server(dist)
    open_page(page, url_of(server), "steps=20&n_embd=8&n_head=2")
    wait_for_offline_copy(page)
    reload_through_the_service_worker(page)
    server.shutdown()
    server.server_close()
    page.reload()
    wait_for_state(page, "ready")
    train(page)
    assert len(generate(page, samples=3, sample_seed=1)) == 3


def a_copy_with_its_offline_copy(serve_directory, page, dist, tmp_path):
    """A copy of the site, served and opened, its service worker answering the page: the copy's path."""
    site = tmp_path / "site"
    shutil.copytree(dist, site)
    open_page(page, serve_directory(site))
    wait_for_offline_copy(page)
    reload_through_the_service_worker(page)
    return site


def test_a_new_build_replaces_the_old_whole_and_only_when_asked(serve_directory, page, dist, tmp_path):
    site = a_copy_with_its_offline_copy(serve_directory, page, dist, tmp_path)
    assert page.get_by_test_id("update").is_hidden()  # nothing new yet
    [old_cache] = page.evaluate("caches.keys()")
    # A second build: one file changed, sealed again (a new id, so a new cache).
    with open(site / "style.css", "a") as css:
        css.write("/* the second build */\n")
    new_id = build.seal(site, precache="names")
    assert new_id not in old_cache
    page.reload()
    wait_for_state(page, "ready")
    page.get_by_test_id("update").wait_for(state="visible")
    # Meanwhile the page runs on the first build, every file of it.
    assert "second build" not in page.evaluate("fetch('style.css').then(r => r.text())")
    assert page.evaluate("caches.keys()").count(old_cache) == 1
    # The button reloads the page onto the new build. (The test fetches nothing meanwhile: a fetch
    # through the old build's service worker every few hundred ms held the new one back.)
    with page.expect_navigation():
        page.get_by_test_id("update-reload").click()
    wait_for_state(page, "ready")
    assert "second build" in page.evaluate("fetch('style.css').then(r => r.text())")
    poll(page, f"caches.keys().then(names => names.length === 1 && names[0].endsWith({new_id!r}))")


def test_the_app_manifest_is_valid_and_the_page_installable(page, site_url):
    open_page(page, site_url)
    wait_for_offline_copy(page)
    manifest = page.evaluate("fetch('app.webmanifest').then(r => r.json())")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "./"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    reload_through_the_service_worker(page)
    cdp = page.context.new_cdp_session(page)
    errors = [error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    # Playwright's contexts are incognito ones, where Chromium never offers to install a page;
    # every other check (manifest, icons, service worker, secure origin) must pass.
    assert errors in ([], ["in-incognito"]), errors


def test_without_a_service_worker_the_page_works_as_before(browser, site_url):
    context = browser.new_context(service_workers="block")
    errors = []
    try:
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_page(page, site_url, "steps=10&n_embd=8&n_head=2")
        train(page)
        assert len(generate(page, samples=2, sample_seed=1)) == 2
        assert page.evaluate("navigator.serviceWorker?.controller ?? null") is None
    finally:
        context.close()
    assert errors == []


def test_a_file_changed_within_the_same_second_is_not_kept_stale_by_the_next_build(serve_directory, page, dist,
                                                                                   tmp_path):
    """(issue 22) The precache revalidates what the HTTP cache has (issue 21: a first visit's files
    are not downloaded twice), and a revalidation would call a file changed within the same second
    as its Last-Modified fresh: each file is checked against its hash, and fetched afresh if stale."""
    site = a_copy_with_its_offline_copy(serve_directory, page, dist, tmp_path)
    # A second build, whose style.css changed but kept its time to the second.
    css = site / "style.css"
    stat = css.stat()
    css.write_text(css.read_text() + "/* the second build */\n")
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new_id = build.seal(site, precache="names")
    page.reload()
    wait_for_state(page, "ready")
    page.get_by_test_id("update").wait_for(state="visible")
    page.get_by_test_id("update-reload").click()
    poll(page, "caches.keys().then(names => names.length === 1 && names[0].endsWith(%r))" % new_id)
    assert page.evaluate("caches.match('style.css', {ignoreSearch: true}).then(r => r.text())") == css.read_text()
