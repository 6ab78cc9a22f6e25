"""Nothing hangs: a broken server, a slow connection, a dead worker, a blocked script or a page
opened from disk each get a plain message quickly, and a trained model survives a restart."""
import re
import time

import pytest

from .helpers import BUILT_READY, SMALL, STATUS, generate, open_page, send, train, wait_for_state

WASM = "pyodide.asm.wasm"


def real_file(handler):
    return (handler.directory + "/" + handler.path.split("?")[0].lstrip("/"))


def with_type(content_type):
    def action(handler):
        with open(real_file(handler), "rb") as f:
            send(200, content_type, f.read())(handler)
    return action


def drip(chunk_bytes, every_seconds):
    """The real file, a chunk at a time: a slow connection that keeps making progress."""
    def action(handler):
        with open(real_file(handler), "rb") as f:
            body = f.read()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/wasm")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for start in range(0, len(body), chunk_bytes):
            handler.wfile.write(body[start:start + chunk_bytes])
            handler.wfile.flush()
            time.sleep(every_seconds)
    return action


def failure_within(page, seconds):
    start = time.perf_counter()
    wait_for_state(page, "failed", timeout=seconds * 1000)
    assert time.perf_counter() - start < seconds
    assert page.get_by_test_id("restart").is_visible()
    return page.inner_text(STATUS)


@pytest.mark.parametrize("tamper, expected", [
    ({WASM: send(404, "text/plain", b"no such file")},
     "Python could not start. pyodide.asm.wasm could not be downloaded: the server answered 404 (not found)."),
    ({WASM: with_type("application/octet-stream")},
     "Python could not start. The server sends .wasm files as application/octet-stream; it must send them "
     "as application/wasm."),
    ({WASM: send(200, "application/wasm", b"<html>not wasm at all</html>")},
     "Python could not start. pyodide.asm.wasm is not WebAssembly: the server sent something else under its name."),
])
def test_a_broken_wasm_gets_its_reason_within_seconds(tampered_site, page, problems, tamper, expected):
    page.goto(tampered_site(tamper))
    assert failure_within(page, 10) == expected
    assert page.get_by_test_id("restart").inner_text() == "Retry"
    problems.clear()  # the failed download was the point


def test_a_blocked_wasm_gets_its_reason_within_seconds(page, site_url, problems):
    page.context.route(f"**/{WASM}", lambda route: route.abort("blockedbyclient"))
    page.goto(site_url)
    assert failure_within(page, 10) == ("Python could not start. pyodide.asm.wasm could not be downloaded: "
                                        "the network, or a blocker in the browser, refused it.")
    page.context.unroute(f"**/{WASM}")
    page.get_by_test_id("restart").click()  # Retry, now that the blocker is gone
    wait_for_state(page, "ready")
    problems.clear()


def test_a_slow_download_that_keeps_coming_is_not_killed(tampered_site, page):
    # Loading may be silent for 6 s here (Python's start, after the downloads, is silent for a
    # few); the wasm takes about 10 s, a little at a time.
    page.add_init_script("globalThis.MICROGPT_LIMITS_MS = {load: 6000}")
    page.goto(tampered_site({WASM: drip(100_000, 0.1)}))
    # (the total grows as downloads start: about 20 MB once all have)
    page.wait_for_function("/\\d\\.\\d of \\d+\\.\\d MB/.test(document.querySelector('[data-testid=status]').textContent)")
    shown = page.inner_text(STATUS)
    assert re.fullmatch(r"Loading Python \(Pyodide\)… \d+\.\d of \d+\.\d MB", shown), shown
    page.wait_for_function("['ready', 'failed'].includes(document.body.dataset.state)", timeout=60_000)
    assert page.get_by_test_id("status").inner_text() == BUILT_READY


def test_a_download_that_stops_coming_is_reported(tampered_site, page, problems):
    def hang(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/wasm")
        handler.send_header("Content-Length", "9000000")
        handler.end_headers()
        handler.wfile.write(b"\0asm\1\0\0\0")
        handler.wfile.flush()
        time.sleep(8)
    page.add_init_script("globalThis.MICROGPT_LIMITS_MS = {load: 2000}")
    page.goto(tampered_site({WASM: hang}))
    assert failure_within(page, 8) == "Python could not start. Python has stopped responding."
    problems.clear()


def test_an_idle_worker_that_dies_is_noticed_and_restart_keeps_the_model(page, site_url):
    open_page(page, site_url, SMALL.replace("engine=reference", "engine=fast"))
    train(page)
    names = generate(page, samples=3, sample_seed=1)
    [worker] = page.workers
    worker.evaluate("self.close()")  # gone without a word: no error, no message
    page.get_by_test_id("generate").click()
    start = time.perf_counter()
    wait_for_state(page, "failed", timeout=5000)
    assert time.perf_counter() - start < 5
    assert page.inner_text(STATUS) == ("The Python worker has stopped: it no longer answers. Your settings and "
                                       "your trained model are kept: restart Python to carry on.")
    page.get_by_test_id("restart").click()
    wait_for_state(page, "ready")
    assert "restored the model trained for 20 steps" in page.inner_text(STATUS)
    assert generate(page, samples=3, sample_seed=1) == names


def test_a_blocked_module_gets_a_message(page, site_url, problems):
    page.context.route("**/main.js", lambda route: route.abort("blockedbyclient"))
    page.goto(site_url)
    wait_for_state(page, "failed", timeout=10_000)
    assert page.inner_text(STATUS) == ("The page's scripts could not be loaded: the network, or a blocker in the "
                                       "browser, refused one of them. Reload the page to try again.")
    problems.clear()


def test_a_page_opened_from_disk_says_how_to_open_it(page, dist, problems):
    page.goto((dist / "index.html").as_uri())
    wait_for_state(page, "failed", timeout=10_000)
    assert "must be opened from a web server" in page.inner_text(STATUS)
    assert "python3 build.py serve" in page.inner_text(STATUS)
    problems.clear()  # the browser refuses file:// modules, and says so in the console


def focused(page):
    return page.evaluate("document.activeElement.dataset.testid || document.activeElement.tagName")


def test_focus_moves_to_the_control_that_does_the_job(page, site_url):
    open_page(page, site_url, "steps=5000&n_embd=8&n_head=2")
    page.get_by_test_id("train").focus()
    page.keyboard.press("Enter")
    wait_for_state(page, "training")
    page.wait_for_function("document.activeElement.dataset.testid === 'stop'")
    # (a step in first: a Stop before the run begins leaves no model, and Generate below needs one)
    page.wait_for_function("Number(document.querySelector('[data-testid=progress]').dataset.step) >= 1")
    page.keyboard.press("Enter")  # Stop
    wait_for_state(page, "ready")
    page.wait_for_function("document.activeElement.dataset.testid === 'train'")
    page.get_by_test_id("pace").fill("300")
    page.get_by_test_id("generate").focus()
    page.keyboard.press("Enter")
    wait_for_state(page, "generating")
    page.wait_for_function("document.activeElement.dataset.testid === 'stop'")
    page.keyboard.press("Enter")
    wait_for_state(page, "ready")
    page.wait_for_function("document.activeElement.dataset.testid === 'generate'")
    assert focused(page) == "generate"


def count_pixels_near(page, rgb):
    return page.get_by_test_id("chart").evaluate("""(canvas, [r, g, b]) => {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40) n++;
        }
        return n;
    }""", rgb)


def test_the_chart_redraws_when_the_colour_scheme_changes(page, site_url):
    light_accent, dark_accent = (0x5B, 0x3C, 0xC4), (0xA4, 0x8C, 0xFF)
    page.emulate_media(color_scheme="light")
    open_page(page, site_url, "steps=100")
    train(page)
    page.evaluate("new Promise(r => requestAnimationFrame(() => r(true)))")  # (a frame drawn)
    assert count_pixels_near(page, light_accent) > 50 and count_pixels_near(page, dark_accent) == 0
    page.emulate_media(color_scheme="dark")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    assert count_pixels_near(page, dark_accent) > 50 and count_pixels_near(page, light_accent) == 0
