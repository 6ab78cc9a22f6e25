"""The three browser engines behind one small interface, for the tests that run in all of them
(tests/e2e/test_every_engine.py) and the benchmark (bench_engines.py): Chromium through Playwright, Firefox through puppeteer-core over
WebDriver BiDi (puppeteer_bridge.mjs), WebKit through Selenium and WebKitWebDriver under Xvfb.
Playwright's own Firefox and WebKit builds can't be downloaded on every machine; these come
from Debian's packages, which test.sh installs.

Each driver does what a person does (go to a page, reload, click, type, pick, upload a file)
and evaluates an expression in the page; waiting is one loop over that, the same everywhere.
Where an engine can't be had, `missing(name)` says why, and its tests skip with that reason.
"""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIREFOX = Path("/usr/bin/firefox-esr")
WEBKIT_DRIVER = Path("/usr/bin/WebKitWebDriver")
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
PUPPETEER = ROOT / "node_modules" / "puppeteer-core"


def by_testid(testid):
    return f"[data-testid={testid}]"


def missing(name):
    """Why this engine can't run here, or None."""
    needs = {
        "chromium": [],
        "firefox": [(FIREFOX, "apt-get install firefox-esr"), (PUPPETEER, "npm ci")],
        "webkit": [(WEBKIT_DRIVER, "apt-get install webkit2gtk-driver"), (MINIBROWSER, "apt-get install webkit2gtk-driver"),
                   (shutil.which("Xvfb"), "apt-get install xvfb")],
    }[name]
    for path, fix in needs:
        if not path or not Path(path).exists():
            return f"{name}: {path or 'Xvfb'} is missing ({fix}; test.sh installs it)"
    if name == "webkit":
        try:
            import selenium  # noqa: F401
        except ImportError:
            return "webkit: the selenium package is missing (pip install -r requirements-dev.txt)"
    return None


class Engine:
    """What every driver shares: waiting, and the page's contract (data-state). Each driver
    does goto, reload, evaluate, click, fill, select and upload in its current tab;
    open_tab() opens another and makes it current (returning its index), use_tab(index) goes
    back to one (the first is 0)."""
    name = None

    def wait_for(self, expression, timeout=120, every=0.05):
        """Until the expression is truthy in the page; its value. (Across the page's reloads: a
        question that a navigation cut short is asked again.)"""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except Exception as error:
                if not any(words in str(error) for words in ("context was destroyed", "navigat", "Navigat")):
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: still not true after {timeout} s: {expression}")
            time.sleep(every)

    def wait_for_state(self, state, timeout=120):
        self.wait_for(f"document.body?.dataset.state === {json.dumps(state)}", timeout)

    def data_of(self, testid):
        return self.evaluate(f"({{...document.querySelector('{by_testid(testid)}').dataset}})")

    def texts(self, testid):
        return self.evaluate(f"[...document.querySelectorAll('{by_testid(testid)}')].map(e => e.textContent)")


class Chromium(Engine):
    """Playwright's page in a context of its own: in the browser given (the suite's), else in
    a Chromium launched for this engine alone."""
    name = "chromium"

    def __init__(self, browser=None):
        self.playwright = None
        if browser is None:
            from playwright.sync_api import sync_playwright

            from tools.browser import launch_chromium
            self.playwright = sync_playwright().start()
            browser = launch_chromium(self.playwright)
        self.browser = browser
        self.version = browser.version
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.tabs = [self.page]

    def goto(self, url):
        self.page.goto(url)

    def reload(self):
        self.page.reload()

    def evaluate(self, expression):
        return self.page.evaluate(expression)

    def click(self, testid):
        self.page.click(by_testid(testid))

    def fill(self, testid, value):
        self.page.fill(by_testid(testid), str(value))

    def select(self, testid, value):
        self.page.select_option(by_testid(testid), value)

    def upload(self, testid, path):
        self.page.set_input_files(by_testid(testid), path)

    def open_tab(self):
        self.tabs.append(self.context.new_page())
        return self.use_tab(len(self.tabs) - 1)

    def use_tab(self, index):
        self.page = self.tabs[index]
        self.page.bring_to_front()
        return index

    def close(self):
        self.context.close()
        if self.playwright:
            self.browser.close()
            self.playwright.stop()


class Firefox(Engine):
    """Debian's Firefox ESR, driven by puppeteer-core in Node (puppeteer_bridge.mjs)."""
    name = "firefox"

    def __init__(self):
        self.process = subprocess.Popen(
            ["node", str(Path(__file__).with_name("puppeteer_bridge.mjs")), "firefox", str(FIREFOX)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.last_id = 0
        self.version = self._reply(0)

    def _call(self, method, *args):
        self.last_id += 1
        self.process.stdin.write(json.dumps({"id": self.last_id, "method": method, "args": args}) + "\n")
        self.process.stdin.flush()
        return self._reply(self.last_id)

    def _reply(self, id):
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"firefox: the puppeteer bridge ended (exit code {self.process.wait()})")
        reply = json.loads(line)
        assert reply["id"] == id, reply
        if "error" in reply:
            raise AssertionError(f"firefox: {reply['error']}")
        return reply["result"]

    def goto(self, url):
        self._call("goto", url)

    def reload(self):
        self._call("reload")

    def evaluate(self, expression):
        return self._call("evaluate", expression)

    def click(self, testid):
        self._call("click", by_testid(testid))

    def fill(self, testid, value):
        self._call("fill", by_testid(testid), str(value))

    def select(self, testid, value):
        self._call("select", by_testid(testid), value)

    def upload(self, testid, path):
        self._call("upload", by_testid(testid), str(path))

    def open_tab(self):
        return self._call("openTab")

    def use_tab(self, index):
        return self._call("useTab", index)

    def close(self):
        try:
            self._call("close")
            self.process.wait(timeout=30)
        finally:
            self.process.kill()  # (a no-op once it has ended)


class WebKit(Engine):
    """WebKitGTK's MiniBrowser, driven by Selenium through WebKitWebDriver, on its own Xvfb screen."""
    name = "webkit"

    def __init__(self):
        from selenium import webdriver
        # -displayfd: Xvfb picks a free display and writes its number, once it is ready.
        self.screen = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                                       stdout=subprocess.PIPE, text=True)
        display = f":{self.screen.stdout.readline().strip()}"
        options = webdriver.WebKitGTKOptions()
        options.binary_location = str(MINIBROWSER)
        options.add_argument("--automation")
        service = webdriver.WebKitGTKService(executable_path=str(WEBKIT_DRIVER), env={**os.environ, "DISPLAY": display})
        self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.tabs = [self.driver.current_window_handle]
        self.version = self.driver.capabilities.get("browserVersion")

    def _element(self, testid):
        # (in view first: WebKitWebDriver does not scroll an input into view to clear it)
        element = self.driver.find_element("css selector", by_testid(testid))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        return element

    def goto(self, url):
        self.driver.get(url)

    def reload(self):
        self.driver.refresh()

    def evaluate(self, expression):
        return self.driver.execute_script(f"return {expression}")

    def click(self, testid):
        self._element(testid).click()

    def fill(self, testid, value):
        element = self._element(testid)
        element.clear()
        if str(value):  # (WebKitWebDriver refuses to type nothing)
            element.send_keys(str(value))

    def select(self, testid, value):
        # WebKitWebDriver can't click an <option> (GTK draws the open list outside the page), so
        # choose it as the list would: set the value, then say so with the events a choice fires.
        self.driver.execute_script("""const [select, value] = arguments;
            select.value = value;
            select.dispatchEvent(new Event("input", {bubbles: true}));
            select.dispatchEvent(new Event("change", {bubbles: true}));""", self._element(testid), value)

    def upload(self, testid, path):
        self._element(testid).send_keys(str(path))

    def open_tab(self):
        self.driver.switch_to.new_window("tab")
        self.tabs.append(self.driver.current_window_handle)  # (window_handles has no order)
        return len(self.tabs) - 1

    def use_tab(self, index):
        self.driver.switch_to.window(self.tabs[index])
        return index

    def close(self):
        try:
            self.driver.quit()
        finally:
            self.screen.terminate()
            self.screen.wait(timeout=10)


# The engines by name, in the order the tests and the benchmark take them.
DRIVERS = {"chromium": Chromium, "firefox": Firefox, "webkit": WebKit}
NAMES = list(DRIVERS)
