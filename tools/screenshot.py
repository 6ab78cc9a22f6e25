"""Make docs/screenshot.png, the page after training the default model (after a first run with
another seed, to compare) and generating 20 names; docs/views.png, the Watch it learn card after
that run; and docs/inside.png, the Look inside view four characters into a name.

    python3 tools/screenshot.py
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.browser import launch_chromium  # noqa: E402
from tools.serving import serve_in_background  # noqa: E402

READY = "document.body.dataset.state === 'ready'"


def main():
    from playwright.sync_api import sync_playwright

    subprocess.run([sys.executable, str(ROOT / "build.py")], check=True)  # dist/, as a user builds it
    server, url = serve_in_background(ROOT / "dist")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 860}, device_scale_factor=1)
        page.goto(url)
        page.wait_for_function(READY, timeout=120_000)
        for seed in ("7", "42"):
            page.get_by_test_id("seed").fill(seed)
            page.get_by_test_id("train").click()
            page.wait_for_function("document.body.dataset.state === 'training'")
            page.wait_for_function(READY, timeout=600_000)
        page.wait_for_function("document.getElementById('embeddings').dataset.step === '500'")
        page.get_by_test_id("pace").fill("0")
        page.get_by_test_id("generate").click()
        page.wait_for_function("document.body.dataset.state === 'generating'")
        page.wait_for_function(READY, timeout=120_000)
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=ROOT / "docs" / "screenshot.png")
        page.add_style_tag(content=".statusbar { position: static; }")  # not over the cards
        page.locator('[data-testid=embedding-point][data-token="a"]').focus()
        page.get_by_test_id("views").screenshot(path=ROOT / "docs" / "views.png")
        page.get_by_test_id("sample-seed").fill("3")
        page.get_by_test_id("restart-name").click()
        page.wait_for_function("document.querySelectorAll('[data-testid=loop-source] .current').length === 1")
        for _ in range(4):
            page.get_by_test_id("step").click()
            page.wait_for_function("document.querySelector('#inside').dataset.stepMs !== undefined")
            page.wait_for_timeout(100)
        page.get_by_test_id("inside").screenshot(path=ROOT / "docs" / "inside.png")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
