"""The benchmark: how fast both engines train and sample, in CPython and in the real page.

    python3 build.py bench

Everything is measured in one run on this machine, so the fast/reference ratios compare
like with like. It prints a table and asserts nothing: speed targets live here, not in tests.
"""
import json
import os
import platform
import random
import re
import statistics
import time
from pathlib import Path

from microgpt import GPTConfig, Trainer, load_docs, sample_name
from microgpt.settings import DEFAULTS
from tools import bench_engines, bench_load, bench_network
from tools.bench_engines import SECONDS_UNTIL_STATE

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "data" / "names.txt"
DEFAULT_STEPS = DEFAULTS["steps"]  # the default run, the same for both engines (the reference takes about a minute)
TEMPERATURE = DEFAULTS["temperature"]
LONG_RUN = dict(steps=1000, block_size=16)  # microgpt.py's own defaults


# ---- CPython ----

def cpython_steps_per_second(docs, engine, steps, block_size=8):
    """One whole run, from a fresh Trainer (the fast engine's kernels compile in its first
    run of a config, as they do in the page)."""
    trainer = Trainer.new(docs, GPTConfig(block_size=block_size), steps, seed=42, engine=engine)
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
    figures["views"] = cpython_views_steps_per_second(docs)
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


def views_steps_per_second(page, rounds=5):
    """Steps/s of the default fast run with the training views shown and hidden, alternating on
    one page (the same machine state): the median of each."""
    rates = {True: [], False: []}
    for _ in range(rounds):
        for shown in (True, False):
            if page.get_by_test_id("views-shown").is_checked() != shown:
                page.get_by_test_id("views-shown").click()
            rates[shown].append(DEFAULT_STEPS / train_seconds(page, DEFAULT_STEPS, engine="fast"))
    page.get_by_test_id("views-shown").check()
    return statistics.median(rates[True]), statistics.median(rates[False])


def cpython_views_steps_per_second(docs, rounds=5):
    """The same in CPython: Session.train with the views shown and hidden."""
    from microgpt.session import Session

    rates = {True: [], False: []}
    for _ in range(rounds):
        for shown in (True, False):
            session = Session()
            session.docs = docs
            session.watch(shown=shown)
            session.start_training(DEFAULT_STEPS, DEFAULTS["seed"], DEFAULTS["n_embd"], DEFAULTS["n_head"],
                                   DEFAULTS["n_layer"], DEFAULTS["block_size"], "fast")
            start = time.perf_counter()
            while not session.run.done:
                session.train(0.05)
                session.views()
            rates[shown].append(DEFAULT_STEPS / (time.perf_counter() - start))
    return statistics.median(rates[True]), statistics.median(rates[False])


def snapshot_megabytes(config, vocab_size, steps=DEFAULT_STEPS):
    """The memory the time-travel snapshots of a whole run take (history.History), in MB."""
    from microgpt.history import History
    from microgpt.model import num_params, zeros_like, init_weights

    weights = zeros_like(init_weights(config, vocab_size, random.Random(0)))
    history = History(steps, num_params(config, vocab_size))
    for step in range(steps + 1):
        history.keep(step, weights, latest=step == steps)
    return history.nbytes / 1e6, history.every, len(history.steps)


def views_table(cpython, browser):
    from microgpt.settings import SETTINGS

    largest = GPTConfig(**{name: SETTINGS[name].maximum for name in ("n_embd", "n_head", "n_layer", "block_size")})
    default_mb, default_k, default_n = snapshot_megabytes(GPTConfig(), 27)
    largest_mb, largest_k, largest_n = snapshot_megabytes(largest, 501)
    (b_shown, b_hidden), (c_shown, c_hidden) = browser["fast"]["views"], cpython["views"]
    return "\n".join([
        "| measure | views shown | views hidden | shown / hidden |",
        "|---|---|---|---|",
        f"| Browser: fast engine, steps/s, default run (median of 5 each, alternating) | {b_shown:.0f} | {b_hidden:.0f} | {b_shown / b_hidden:.2f} |",
        f"| CPython: fast engine, steps/s, default run (median of 5 each) | {c_shown:.0f} | {c_hidden:.0f} | {c_shown / c_hidden:.2f} |",
        "",
        "| time-travel snapshots of a whole run (500 steps) | kept every | snapshots | memory |",
        "|---|---|---|---|",
        f"| default model (4,064 weights) | {default_k} steps | {default_n} | {default_mb:.1f} MB |",
        f"| largest model allowed (n_embd 64, 16 heads, 4 layers, block 32, 500 characters) | {largest_k} steps | {largest_n} | {largest_mb:.1f} MB |",
    ])


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
        figures["fast"]["views"] = views_steps_per_second(page)
        figures["fast"]["stop"] = stop_seconds(page)
        figures["loading"] = bench_load.figures(browser, ROOT / "dist")
        pyodide_dir = json.loads((ROOT / "dist" / "manifest.json").read_text())["pyodide"]
        figures["network"] = bench_network.figures(browser, ROOT / "dist", pyodide_dir)
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
    print("\nThe training views (issue 13):\n")
    print(views_table(cpython, browser))
    print("\nLoading (Chromium, served from this machine; the median of a few loads):\n")
    print(bench_load.table(browser["loading"]))
    print("\nA first visit on a real network (issue 21): served gzipped, through Chromium's network emulation, "
          "against a bare loadPyodide() of the same files on the same link:\n")
    print(bench_network.table(browser["network"], browser["loading"]["warm"]))
    print("\nEvery engine (issue 18; each a fresh browser, cold; the first run pays for the engine's JIT):\n")
    print(bench_engines.table(bench_engines.figures(ROOT / "dist")))
