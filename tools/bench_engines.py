"""The benchmark in every engine: the default run's steps/s and the time to Ready, cold, in
Chromium, Firefox and WebKit, each in a fresh browser on the same site, one after another in
one run (tools/engines.py drives them). Run by tools/bench.py; an engine that can't be had here
gets its reason instead of figures.
"""
import json

from microgpt.settings import DEFAULTS
from tools import engines
from tools.bench_load import serve

# A promise of the seconds from clicking the control with data-testid `press` to the page's
# data-state becoming `state`, measured in the page (no driver in between). (tools/bench.py
# times its presses with it too.)
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
TRAIN_SECONDS = f"({SECONDS_UNTIL_STATE})(['train', 'ready'])"


def engine_figures(name, url):
    engine = engines.DRIVERS[name]()
    try:
        engine.goto(url)
        engine.wait_for_state("ready", timeout=300)
        ready_ms = json.loads(engine.evaluate("document.body.dataset.loadPhases"))["ready"]
        engine.fill("steps", DEFAULTS["steps"])
        first = engine.evaluate(TRAIN_SECONDS)  # the first run pays for the engine's JIT tiers
        again = engine.evaluate(TRAIN_SECONDS)
        return {"version": engine.version, "ready": ready_ms / 1000, "first": DEFAULTS["steps"] / first,
                "again": DEFAULTS["steps"] / again}
    finally:
        engine.close()


def figures(dist):
    result = {}
    for name in engines.NAMES:
        reason = engines.missing(name)
        if reason:
            result[name] = {"missing": reason}
            continue
        server, _, url = serve(dist)  # (a server, and so an origin, of its own: nothing cached)
        try:
            result[name] = engine_figures(name, url)
        finally:
            server.shutdown()
            server.server_close()
    return result


def table(result):
    lines = ["| engine | cold load to Ready | default run, steps/s (first run) | default run, steps/s (again) |",
             "|---|---|---|---|"]
    for name, f in result.items():
        if "missing" in f:
            lines.append(f"| {name} | {f['missing']} | | |")
        else:
            lines.append(f"| {name} {f['version']} | {f['ready']:.2f} s | {f['first']:.0f} | {f['again']:.0f} |")
    return "\n".join(lines)
