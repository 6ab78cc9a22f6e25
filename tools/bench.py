"""The benchmark: how fast both engines train and sample, in CPython and in the real page.

    python3 build.py bench

Everything is measured in one run on this machine, so the fast/reference ratios compare
like with like. It prints a table and asserts nothing: speed targets live here, not in tests.
"""
import os
import platform
import random
import re
import statistics
import time
from pathlib import Path

from microgpt import GPTConfig, Trainer, load_docs, sample_name
from microgpt.settings import DEFAULTS
from tools import bench_load

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "data" / "names.txt"
DEFAULT_STEPS = DEFAULTS["steps"]  # the default run, the same for both engines (the reference takes about a minute)
TEMPERATURE = DEFAULTS["temperature"]
LONG_RUN = dict(steps=1000, block_size=16)  # microgpt.py's own defaults


# ---- CPython ----

def cpython_steps_per_second(docs, engine, steps, block_size=8):
    """One whole run, from a fresh Trainer (the fast engine's kernels compile in its first
    run of a config, as they do in the page)."""
    trainer = Trainer(docs, GPTConfig(block_size=block_size), steps, seed=42, engine=engine)
    start = time.perf_counter()
    while not trainer.done:
        trainer.step()
    return steps / (time.perf_counter() - start), trainer


def cpython_sampling_seconds(trainer, names=20):
    rng = random.Random(42)
    start = time.perf_counter()
    for _ in range(names):
        sample_name(trainer.model, trainer.engine, TEMPERATURE, rng)
    return time.perf_counter() - start


def cpython_figures():
    docs = load_docs(NAMES)
    figures = {}
    for engine in ("reference", "fast"):
        rate, trainer = cpython_steps_per_second(docs, engine, DEFAULT_STEPS)
        figures[engine] = {"steps/s": rate, "run": DEFAULT_STEPS / rate,
                           "names": cpython_sampling_seconds(trainer)}
    rate, _ = cpython_steps_per_second(docs, "fast", LONG_RUN["steps"], LONG_RUN["block_size"])
    figures["fast"]["long run"] = LONG_RUN["steps"] / rate
    return figures


# ---- the page in headless Chromium ----

def set_settings(page, **values):
    """Fill in the page's controls, by data-testid."""
    page.evaluate("""values => {
        for (const [testid, value] of Object.entries(values)) {
            const input = document.querySelector(`[data-testid=${testid}]`);
            input.value = value;
            input.dispatchEvent(new Event("change"));
        }
    }""", values)


def wait_ready(page):
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=600_000, polling=20)


# A promise of the seconds from clicking the control with data-testid `press` to the page's
# data-state becoming `state`.
SECONDS_UNTIL_STATE = """([press, state]) => new Promise(resolve => {
    const start = performance.now();
    new MutationObserver((_, observer) => {
        if (document.body.dataset.state === state) {
            observer.disconnect();
            resolve((performance.now() - start) / 1000);
        }
    }).observe(document.body, {attributes: true, attributeFilter: ['data-state']});
    document.querySelector(`[data-testid=${press}]`).click();
})"""


def train_seconds(page, steps, **settings):
    """Wall-clock seconds from pressing Train to the page being ready again, the run done."""
    set_settings(page, steps=steps, **settings)
    seconds = page.evaluate(SECONDS_UNTIL_STATE, ["train", "ready"])
    assert page.get_by_test_id("progress").inner_text() == f"step {steps} / {steps}"
    return seconds


def stop_seconds(page):
    """Seconds from pressing Stop (mid-run) to the page being ready again."""
    set_settings(page, steps=20000)
    page.get_by_test_id("train").click()
    page.wait_for_function("/step \\d{2,} \\//.test(document.querySelector('[data-testid=progress]').textContent)")
    return page.evaluate(SECONDS_UNTIL_STATE, ["stop", "ready"])


def generate_seconds(page, samples=20):
    """Compute seconds for `samples` names, as the worker reports them (typing pace 0)."""
    set_settings(page, **{"sample-count": samples, "temperature": TEMPERATURE, "pace": 0})
    page.get_by_test_id("generate").click()
    wait_ready(page)
    text = page.get_by_test_id("status").inner_text()
    value, unit = re.search(r"sampled in ([\d.]+) (ms|s)", text).groups()
    return float(value) / (1000 if unit == "ms" else 1)


def inside_step_ms(page):
    """The Look inside view while it plays at full speed: milliseconds per step, from the
    request to the view drawn (the panel times each step itself), over the turns of one
    name; the median and the slowest."""
    page.get_by_test_id("restart-name").click()
    page.wait_for_function("document.querySelector('[data-testid=inside-state]').textContent.startsWith('Ready to start')")
    page.get_by_test_id("play-speed").evaluate("slider => { slider.value = slider.max; slider.dispatchEvent(new Event('input')); }")
    times = page.evaluate("""() => new Promise(resolve => {
        const inside = document.querySelector('[data-testid=inside]'), times = [];
        const play = document.querySelector('[data-testid=play]');
        const steps = new MutationObserver(() => times.push(Number(inside.dataset.stepMs)));
        steps.observe(inside, {attributes: true, attributeFilter: ['data-step-ms']});
        const end = new MutationObserver(() => {
            if (play.textContent !== 'Play') return;
            steps.disconnect();
            end.disconnect();
            resolve(times);
        });
        end.observe(play, {childList: true, characterData: true, subtree: true});
        play.click();
    })""")
    return statistics.median(times), max(times)


def browser_figures(site_url):
    from playwright.sync_api import sync_playwright

    from tools.browser import launch_chromium

    figures = {"reference": {}, "fast": {}}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        figures["version"] = browser.version
        page = browser.new_context().new_page()
        page.goto(site_url)
        wait_ready(page)
        for engine in ("reference", "fast"):
            seconds = train_seconds(page, DEFAULT_STEPS, engine=engine, **{"block-size": DEFAULTS["block_size"]})
            figures[engine].update({"steps/s": DEFAULT_STEPS / seconds, "run": seconds,
                                    "names": generate_seconds(page)})
        figures["fast"]["long run"] = train_seconds(page, LONG_RUN["steps"], engine="fast",
                                                    **{"block-size": LONG_RUN["block_size"]})
        figures["fast"]["inside"] = inside_step_ms(page)
        figures["fast"]["stop"] = stop_seconds(page)
        figures["loading"] = bench_load.figures(browser, ROOT / "dist")
        browser.close()
    return figures


# ---- the table ----

def row(label, reference, fast, ratio=True, fmt="{:.1f}"):
    show = lambda x: fmt.format(x) if x is not None else "—"
    cells = f"| {label} | {show(reference)} | {show(fast)} |"
    return cells + (f" {fast / reference:.1f}× |" if ratio and reference and fast else " |")


def table(cpython, browser):
    ms = "{:.0f} ms"
    return "\n".join([
        "| measure | reference | fast | fast / reference |",
        "|---|---|---|---|",
        row(f"Browser: training steps/s, default run ({DEFAULT_STEPS} steps)",
            browser["reference"]["steps/s"], browser["fast"]["steps/s"]),
        row(f"CPython: training steps/s, default run ({DEFAULT_STEPS} steps)",
            cpython["reference"]["steps/s"], cpython["fast"]["steps/s"]),
        row(f"Browser: default run ({DEFAULT_STEPS} steps), seconds",
            browser["reference"]["run"], browser["fast"]["run"], ratio=False),
        row(f"CPython: default run ({DEFAULT_STEPS} steps), seconds",
            cpython["reference"]["run"], cpython["fast"]["run"], ratio=False),
        row("Browser: 1000 steps, block size 16 (s)", None, browser["fast"]["long run"], ratio=False),
        row("CPython: 1000 steps, block size 16 (s)", None, cpython["fast"]["long run"], ratio=False),
        row("Browser: sampling 20 names (compute)", browser["reference"]["names"] * 1000,
            browser["fast"]["names"] * 1000, ratio=False, fmt=ms),
        row("CPython: sampling 20 names", cpython["reference"]["names"] * 1000,
            cpython["fast"]["names"] * 1000, ratio=False, fmt=ms),
        row("Browser: Stop to stopped (mid-run)", None, browser["fast"]["stop"] * 1000, ratio=False, fmt=ms),
        "| Browser: Look inside, one step while playing (median / slowest) | — | "
        f"{browser['fast']['inside'][0]:.1f} / {browser['fast']['inside'][1]:.1f} ms | |",
    ])


def machine():
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    return f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}"


def run(site_url):
    print(f"machine: {machine()}", flush=True)
    cpython = cpython_figures()
    browser = browser_figures(site_url)
    print(f"browser: Chromium {browser['version']} (headless), Pyodide 314.0.7\n")
    print(table(cpython, browser))
    print("\nLoading (Chromium, served from this machine; the median of a few loads):\n")
    print(bench_load.table(browser["loading"]))
