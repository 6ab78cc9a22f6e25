"""A shared link opens in whatever browser a person has: the same lean walk through the page in
Chromium, Firefox and WebKit, each checked against CPython.

One page per engine, on a server of its own, carries the whole walk: each test goes on from
where the one before it left the page (the last takes the server away). Where an engine can't
be had here, its tests skip with the reason; on CI (CI is set) that is a failure instead.
"""
import json
import os
import shutil
from pathlib import Path

import pytest

import build
from tools import engines
from tools.serving import LoggingSent

from .helpers import ROOT, SMALL, Handler, cpython_names, cpython_session, send, start_server, url_of
from .test_first_visit import IMPORTING
from .test_hostile import packed

TRAIN = dict(steps=150, seed=7, n_embd=16, n_head=4, n_layer=1, block_size=8, engine="fast")
PREFIX, SAMPLE_SEED = "ma", 5
UPLOADED = dict(TRAIN, steps=20)
# When the stop button is clicked, and when the page is Ready again (performance.now(), ms).
TIME_THE_STOP = """(() => {
    document.addEventListener("click", (event) => {
        if (event.target.closest("[data-testid=stop]")) { window.stopClickedAt = performance.now(); window.readyAt = null; }
    }, true);
    new MutationObserver(() => {
        if (window.stopClickedAt && !window.readyAt && document.body.dataset.state === "ready") window.readyAt = performance.now();
    }).observe(document.body, {attributes: true, attributeFilter: ["data-state"]});
    return true;
})()"""
# The step of the model this tab autosaved in IndexedDB (storage.js), or null.
SAVED_STEP = """new Promise((resolve) => {
    const request = indexedDB.open("microgpt", 1);
    request.onsuccess = () => {
        const get = request.result.transaction("autosave").objectStore("autosave").get("tab:" + document.body.dataset.tab);
        get.onsuccess = () => { request.result.close(); resolve(get.result?.model?.step ?? null); };
    };
})"""
# The dataset in the page's address, unpacked as links.js unpacks it (base64url, raw deflate).
LINKED_DATASET = """(async () => {
    const text = new URLSearchParams(location.hash.slice(1)).get("data");
    const bytes = Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).text();
})()"""
OFFLINE_COPY = """(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === "activated"
    && (await caches.keys()).some((name) => name.startsWith("microgpt-")))()"""
# A promise's answer, polled (WebDriver's scripts don't wait for promises): ASK(promise), then
# ANSWER is undefined until it has settled.
ASK = "((promise) => promise.then((answer) => window.answer = answer))"
ANSWER = "window.answer"


def wait_for_the_offline_copy(engine):
    """Until the service worker has the site and answers the page's navigations itself."""
    engine.wait_for(f"{ASK}({OFFLINE_COPY}), {ANSWER}", timeout=60)
    for _ in range(40):
        engine.reload()
        engine.wait_for_state("ready")
        if engine.evaluate("window.crossOriginIsolated"):  # (only the service worker's answers make it so)
            return
    raise AssertionError(f"{engine.name}: the service worker never answered a navigation")


@pytest.fixture(scope="module")
def expected():
    """What CPython computes for the walk: the names, the prefixed names, one Look inside turn."""
    session, _ = cpython_session(**TRAIN)
    names = cpython_names(session, 8, 0.5)
    prefixed = cpython_names(session, 5, 0.5, SAMPLE_SEED, PREFIX)
    session.inspect_start(0.5, SAMPLE_SEED, PREFIX)
    return dict(names=names, prefixed=prefixed, turn=session.inspect_step())


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LARGEST = "dataset=cities&n_embd=64&n_head=16&n_layer=4&block_size=32&steps=300&engine=fast"
# What scrolls sideways, where only code (<pre>) may.
# (A form control clips its own text, as Firefox's file input does: it is no scrolling.)
WIDER_THAN_THEMSELVES = """[...document.querySelectorAll('body *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'
                 && e.offsetParent && !['PRE', 'INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName))
    .map(e => e.id || e.className)"""
NARROW = "document.getElementById('narrow').contentDocument"
BINARY_DATA = packed(b"ann\nbo\0b\n")  # (a dataset in a link, with a NUL byte: Python refuses it)
HANGING_STORAGE = "/hanging-storage/"  # the site again, its page given an IndexedDB that never answers


class WalkHandler(LoggingSent, Handler):
    """The site, as the walk needs it: each file it sends noted in `sent` ((path, bytes), in
    order), the paths in `refused` answered 404, and under HANGING_STORAGE the same site with an
    IndexedDB whose open never answers (a known Safari failure) and no service worker. (On the
    prototype: WebKit hands the page a new `indexedDB` object after a while.)"""
    refused = set()

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in self.refused:
            return self.send_error(404)
        if path == HANGING_STORAGE:
            page = Path(self.directory, "index.html").read_bytes().replace(b"<head>", b"<head><script>"
                b"IDBFactory.prototype.open = () => ({}); navigator.serviceWorker.register = () => new Promise(() => {});"
                b"</script>", 1)
            return send(200, "text/html; charset=utf-8", page)(self)
        if path.startswith(HANGING_STORAGE):
            self.path = self.path[len(HANGING_STORAGE) - 1:]
        super().do_GET()


@pytest.fixture(scope="module", params=engines.NAMES)
def browser_page(request, dist, tmp_path_factory):
    """(engine, the URL of its own server, that server): one page of one engine, for the walk,
    on a copy of the site (server.site), which the walk builds anew."""
    reason = engines.missing(request.param)
    if reason:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)
    site = tmp_path_factory.mktemp(f"site-{request.param}")
    shutil.copytree(dist, site, dirs_exist_ok=True)
    handler = type("Handler", (WalkHandler,), {"sent": [], "refused": set()})
    server = start_server(site, handler)
    server.site, server.sent, server.refused = site, handler.sent, handler.refused
    # (Chromium: a context in the suite's own browser)
    browser = [request.getfixturevalue("browser")] if request.param == "chromium" else []
    engine = engines.DRIVERS[request.param](*browser)
    yield engine, url_of(server), server
    engine.close()
    server.shutdown()
    server.server_close()


def generate(engine, samples, sample_seed="", prefix=""):
    engine.fill("sample-count", samples)
    engine.fill("sample-seed", sample_seed)
    engine.fill("prefix", prefix)
    engine.fill("pace", 0)
    engine.click("generate")
    engine.wait_for_state("ready")
    return engine.texts("sample")


def train(engine, steps):
    """Train with the form's settings until the run's last step, and the page is Ready."""
    engine.click("train")
    engine.wait_for(f"document.querySelector('[data-testid=progress]').dataset.step === '{steps}'"
                    " && document.body.dataset.state === 'ready'")


def test_a_storage_that_never_answers_is_given_up_on_a_first_visit_that_fetched_only_what_it_needs(browser_page):
    engine, url, server = browser_page
    engine.goto(url + HANGING_STORAGE.lstrip("/"))
    engine.wait_for_state("ready", timeout=60)
    assert "the browser's storage did not answer" in engine.texts("message")[0]
    assert engine.data_of("status")["modelStep"] == "500"  # the model trained at build time, all the same
    fetched = {path.removeprefix(HANGING_STORAGE[:-1]) for path, _ in server.sent}  # (the worker's too)
    assert {"/python-core.zip", "/data/names.txt"} <= fetched
    assert not fetched & {"/pyodide-314.0.7/python_stdlib.zip", "/lab/editor.js", "/data/cities.txt"}


def test_a_links_dataset_that_python_refuses_is_said_and_the_message_stays(browser_page):
    engine, url, _ = browser_page
    engine.goto(f"{url}?dataset=custom#data={BINARY_DATA}")
    engine.wait_for_state("ready")
    message = engine.texts("message")[0]
    assert ("NUL" in message or "binary" in message) and message.endswith("Using US first names instead."), message
    assert engine.evaluate("document.querySelector('[data-testid=dataset-choice]').value") == "names"


def test_ready(browser_page):
    engine, url, _ = browser_page
    engine.goto(url + "?" + "&".join(f"{k}={v}" for k, v in TRAIN.items()))
    engine.wait_for_state("ready")
    assert engine.evaluate("document.querySelector('[data-testid=train]').disabled") is False


def test_training_gives_cpythons_names(browser_page, expected):
    engine, *_ = browser_page
    train(engine, TRAIN["steps"])
    assert engine.data_of("progress")["steps"] == "150"
    assert generate(engine, 8) == expected["names"]


def test_a_prefix_and_a_sampling_seed_give_cpythons_names(browser_page, expected):
    engine, *_ = browser_page
    assert generate(engine, 5, SAMPLE_SEED, PREFIX) == expected["prefixed"]


def test_a_look_inside_step_shows_cpythons_probabilities(browser_page, expected):
    engine, *_ = browser_page  # (the prefix and the sampling seed are still in the form)
    engine.click("restart-name")
    engine.wait_for("!document.querySelector('[data-testid=step]').disabled")
    engine.click("step")
    engine.wait_for("document.querySelector('[data-testid=inside-state]').dataset.pos === '0'")
    shown = engine.evaluate("[...document.querySelectorAll('[data-testid=dist-row]')].map(row => Number(row.dataset.prob))")
    assert shown == pytest.approx(expected["turn"]["probs"], abs=1e-14, rel=0)
    assert engine.data_of("inside-state")["token"] == expected["turn"]["token"] == PREFIX[0]


def test_the_lessons_kv_cache_shows_cpythons_numbers(browser_page):
    engine, *_ = browser_page  # (Look inside's name: prefix "ma", sampling seed 5, one turn in)
    for _ in range(4):  # Next, to the KV cache: the sections on the way run the name 4 turns in
        engine.click("lesson-next")
    engine.wait_for("document.querySelectorAll('[data-testid=kv-cost]').length >= 2 && "
                    "document.body.dataset.state === 'ready'")
    session, _ = cpython_session(**TRAIN)
    session.inspect_start(0.5, SAMPLE_SEED, PREFIX)
    turns = int(engine.evaluate("document.querySelector('[data-testid=inside-state]').dataset.pos")) + 1
    for _ in range(turns):
        session.inspect_step()
    expected = session.lesson()
    engine.wait_for(f"document.querySelectorAll('[data-testid=kv-cost]').length === {turns}")
    costs = engine.evaluate("[...document.querySelectorAll('[data-testid=kv-cost]')].map(row => "
                            "[Number(row.dataset.with), Number(row.dataset.without), row.dataset.sameLogits])")
    assert costs == [[c["with"], c["without"], "true"] for c in expected["costs"]]
    vectors = engine.evaluate("[...document.querySelectorAll('[data-testid=kv-vector]')].map(v => "
                              "JSON.parse(v.dataset.values))")
    ordered = sorted(expected["kv"], key=lambda v: (v["layer"], v["pos"], v["kind"]))
    assert vectors == [pytest.approx(v["values"], rel=1e-9, abs=1e-12) for v in ordered]


def test_the_lab_runs_an_edit_as_cpython_runs_it_importing_any_of_the_standard_library(browser_page, tmp_path):
    engine, *_ = browser_page
    engine.click("lab-open")
    engine.wait_for("document.querySelector('[data-testid=lab]').dataset.editor === 'codemirror'")
    # An edit that imports what the page's cut-down standard library left out: fetched now.
    edit = tmp_path / "importing.py"
    edit.write_text(IMPORTING, encoding="utf-8")
    engine.upload("lab-file", edit)
    engine.wait_for("document.querySelector('#lab-editor .cm-content').textContent.includes('import statistics')")
    engine.fill("sample-count", 5)
    engine.fill("sample-seed", 3)
    engine.fill("pace", 0)
    engine.click("lab-run")
    engine.wait_for("document.querySelectorAll('[data-testid=lab-sample]:not(.typing)').length === 5 && "
                    "document.body.dataset.state === 'ready'")
    session, _ = cpython_session(**TRAIN)
    expected = [e["name"] for e in session.lab_run(IMPORTING, 5, 0.5, 3) if "name" in e]
    assert engine.evaluate("[...document.querySelectorAll('[data-testid=lab-sample]')].map(item => item.dataset.name)") \
        == expected
    engine.click("lab-reset")  # (the walk goes on with the original loop: no code in the page's address)
    engine.wait_for("!document.querySelector('#lab-editor .cm-content').textContent.includes('import statistics')")


def test_stop_mid_run_is_ready_within_half_a_second(browser_page):
    engine, *_ = browser_page
    engine.fill("steps", 5000)
    engine.evaluate(TIME_THE_STOP)
    engine.click("train")
    engine.wait_for("Number(document.querySelector('[data-testid=progress]').dataset.step) >= 3")
    engine.click("stop")
    engine.wait_for_state("ready")
    stopped_in = engine.wait_for("window.readyAt && window.readyAt - window.stopClickedAt")
    assert engine.data_of("status")["stopped"] == "true"
    assert stopped_in < 500, f"{engine.name}: Ready {stopped_in:.0f} ms after Stop"


def test_a_reload_restores_the_autosaved_model(browser_page):
    engine, *_ = browser_page
    step = engine.data_of("status")["modelStep"]
    names = generate(engine, 4, sample_seed=3)
    engine.wait_for(f"{SAVED_STEP}.then((saved) => String(saved) === {json.dumps(step)})", timeout=30)
    engine.reload()
    engine.wait_for_state("ready")
    status = engine.data_of("status")
    assert (status.get("restored"), status["modelStep"]) == ("true", step)
    assert generate(engine, 4, sample_seed=3) == names


def test_two_tabs_each_keep_their_model_and_hear_of_the_other(browser_page):
    engine, url, _ = browser_page
    try:
        for seed in (1, 2):  # the walk's tab, then a new one
            if seed == 2:
                engine.open_tab()
            engine.goto(f"{url}?{SMALL}&seed={seed}")
            engine.wait_for_state("ready")
            train(engine, 20)
        engine.use_tab(0)
        engine.wait_for("document.querySelector('[data-testid=message]').textContent.includes('Another tab saved')")
        for tab, seed in ((0, "1"), (1, "2")):  # a reload brings back each tab's own model
            engine.use_tab(tab)
            engine.reload()
            engine.wait_for_state("ready")
            assert engine.data_of("status").get("restored") == "true"
            assert engine.evaluate("document.querySelector('[data-testid=seed]').value") == seed
        engine.goto(url)  # a bare address: the newest model, and the address says which
        engine.wait_for_state("ready")
        assert engine.data_of("status").get("restored") == "true" and "seed=2" in engine.evaluate("location.href")
    finally:
        engine.use_tab(0)  # (the walk goes on in its own tab, with its own settings)
        engine.goto(url + "?" + "&".join(f"{k}={v}" for k, v in TRAIN.items()))
        engine.wait_for_state("ready")


def test_an_uploaded_dataset_trains_as_cpython_trains_on_it(browser_page, tmp_path):
    engine, *_ = browser_page
    upload = tmp_path / "cities.txt"
    upload.write_text((ROOT / "tests" / "data" / "cities.txt").read_text(encoding="utf-8"), encoding="utf-8")
    engine.select("dataset-choice", "custom")
    engine.upload("dataset-file", upload)
    engine.wait_for("document.querySelector('[data-testid=dataset-report]').textContent.includes('cities.txt')")
    engine.wait_for_state("ready")
    engine.fill("steps", UPLOADED["steps"])
    train(engine, UPLOADED["steps"])
    session, _ = cpython_session(**UPLOADED, text=upload.read_text(encoding="utf-8"))
    assert generate(engine, 5, sample_seed=3) == cpython_names(session, 5, 0.5, 3)
    # The address now carries the dataset, compressed: it unpacks to the file.
    assert engine.evaluate(LINKED_DATASET) == upload.read_text(encoding="utf-8")


def test_a_refused_built_in_dataset_leaves_the_chooser_on_the_one_that_will_train(browser_page):
    engine, _, server = browser_page
    server.refused.add("/data/cities.txt")
    try:
        engine.select("dataset-choice", "cities")
        engine.wait_for("document.querySelector('[data-testid=message]').textContent.includes('could not be downloaded')")
        engine.wait_for_state("ready")
    finally:
        server.refused.clear()
    assert engine.evaluate("document.querySelector('[data-testid=dataset-choice]').value") == "custom"
    assert "cities.txt" in engine.texts("dataset-report")[0]  # still the file uploaded before


def test_a_file_just_under_the_limit_that_is_no_model_is_refused_and_the_model_kept(browser_page, tmp_path):
    engine, *_ = browser_page
    step = engine.data_of("status")["modelStep"]
    not_a_model = tmp_path / "not-a-model.json"  # (issue 22: it ran Python out of memory)
    not_a_model.write_text('{"pad": "' + "x" * (63 * 2**20) + '"}')
    engine.upload("model-file", not_a_model)
    engine.wait_for("document.querySelector('[data-testid=message]').textContent.includes('not-a-model.json')", timeout=60)
    assert "not a microgpt checkpoint" in engine.texts("message")[0]
    engine.wait_for_state("ready")
    assert engine.data_of("status")["modelStep"] == step


def test_a_full_storage_says_why_the_model_is_not_kept(browser_page):
    engine, *_ = browser_page
    engine.evaluate("(window.realPut = IDBObjectStore.prototype.put, IDBObjectStore.prototype.put = function () "
                    "{ throw new DOMException('', 'QuotaExceededError'); }, true)")
    try:
        train(engine, UPLOADED["steps"])
        engine.wait_for("document.querySelector('[data-testid=message]').textContent.includes(\"can't be kept\")")
    finally:
        engine.evaluate("(IDBObjectStore.prototype.put = window.realPut, true)")
    assert "(the browser's storage for this site is full)" in engine.texts("message")[0]


def test_the_largest_model_stops_within_a_second_even_while_it_starts(browser_page):
    engine, url, _ = browser_page
    engine.goto(url + "?" + LARGEST)  # (its warm-up starts at Ready, and takes many seconds)
    try:
        engine.wait_for_state("ready")
        engine.evaluate(TIME_THE_STOP)
        engine.click("train")  # Train does not wait for the warm-up …
        engine.wait_for_state("training")
        assert engine.texts("speed") == ["starting…"]
        engine.click("stop")  # … and a Stop while the run starts is heard
        engine.wait_for_state("ready")
        stopped_in = engine.wait_for("window.readyAt && window.readyAt - window.stopClickedAt")
        assert "stopped before the run began; the model you had is kept" in engine.texts("status")[0]
        # Within a second, where it can be: WebKitGTK has no SharedArrayBuffer to interrupt Python
        # with, and one step of this model's warm-up (its kernels compiled for 32 positions) runs
        # there for one to four seconds; the Stop is heard after it.
        if engine.name != "webkit":
            assert stopped_in < 1000, f"{engine.name}: Ready {stopped_in:.0f} ms after Stop"
    finally:
        engine.goto(url + "?" + "&".join(f"{k}={v}" for k, v in TRAIN.items()))  # (the walk's settings again)
        engine.wait_for_state("ready")


def test_axe_finds_nothing_and_at_390px_nothing_but_code_scrolls_sideways(browser_page):
    engine, *_ = browser_page
    engine.evaluate(f"(() => {{ const script = document.createElement('script'); script.textContent = "
                    f"{json.dumps(AXE.read_text())}; document.head.append(script); return true; }})()")
    engine.evaluate("(window.axeFound = null, axe.run(document).then((r) => window.axeFound = r.violations.map("
                    "(v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))), true)")
    engine.wait_for("window.axeFound !== null", timeout=60)
    assert engine.evaluate("window.axeFound") == []  # (light: the drivers can't ask for dark)
    # 390 px: the page in a frame that wide (a window can't be made that narrow in every engine).
    engine.evaluate("""(() => { const frame = document.createElement("iframe");
        frame.id = "narrow"; frame.style.cssText = "width: 390px; height: 800px; border: 0"; frame.src = location.href;
        document.body.append(frame); return true; })()""")
    try:
        engine.wait_for(f"{NARROW}.body?.dataset.state === 'ready'", timeout=120)
        assert engine.evaluate(f"{NARROW}.documentElement.scrollWidth") <= 390
        assert engine.evaluate(WIDER_THAN_THEMSELVES.replace("document.", f"{NARROW}.")) == []
    finally:
        engine.evaluate("(document.getElementById('narrow').remove(), true)")


def test_a_new_build_replaces_a_file_changed_within_the_same_second(browser_page):
    """(issue 22) The offline copy revalidates what the browser has, and a revalidation calls a
    file changed within the same second as its Last-Modified fresh: the hash in precache.json
    must catch it, or the new build keeps the old file."""
    engine, url, server = browser_page
    if not engine.evaluate("'serviceWorker' in navigator && window.isSecureContext"):
        pytest.skip(f"{engine.name} runs no service worker for http://127.0.0.1 here, so the page has no offline copy")
    wait_for_the_offline_copy(engine)
    css = server.site / "style.css"
    stat = css.stat()
    css.write_text(css.read_text() + "/* the next build */\n")
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new_id = build.seal(server.site, precache="names")
    engine.reload()
    engine.wait_for_state("ready")
    engine.wait_for("!document.querySelector('[data-testid=update]').hidden", timeout=60)
    engine.click("update-reload")
    engine.wait_for(f"{ASK}(caches.keys()), ({ANSWER} ?? []).length === 1 && {ANSWER}[0].endsWith({new_id!r})",
                    timeout=60)
    engine.wait_for_state("ready")
    engine.wait_for(f"{ASK}(caches.match('style.css', {{ignoreSearch: true}}).then((r) => r.text())), "
                    f"{ANSWER}?.includes('the next build')", timeout=30)


def test_offline_the_page_reloads_and_trains(browser_page, expected):
    engine, url, server = browser_page
    if not engine.evaluate("'serviceWorker' in navigator && window.isSecureContext"):
        pytest.skip(f"{engine.name} runs no service worker for http://127.0.0.1 here, so the page has no offline copy")
    wait_for_the_offline_copy(engine)
    server.shutdown()
    server.server_close()
    engine.reload()
    engine.wait_for_state("ready")
    # A later visit restores Python from the memory snapshot of the offline copy.
    assert json.loads(engine.evaluate("document.body.dataset.loadPhases"))["snapshot"] is True
    engine.select("dataset-choice", "names")
    engine.wait_for("document.querySelector('[data-testid=dataset-choice]').value === 'names'")
    engine.wait_for_state("ready")
    engine.fill("steps", TRAIN["steps"])
    train(engine, TRAIN["steps"])
    assert generate(engine, 8) == expected["names"]
