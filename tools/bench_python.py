"""Speed of the Python engines on this machine: a table, no verdicts.

    python3 tools/bench_python.py [--data data/names.txt] [--steps 30] [--repeat 10]

Each engine trains from the same start on the same documents (a fresh Trainer, seed 42,
the first --steps steps), so both do exactly the same work; each engine runs that several
times and its best run counts. Also timed: a whole 500-step run of the fast engine (it
speeds up as training makes the ReLU's zeros more common), then sampling 20 names from it
(temperature 0.5). Speed is measured here, never in tests.
"""
import argparse
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "py"))

from microgpt import GPTConfig, Trainer, load_docs, sample_name  # noqa: E402


def steps_per_second(docs, config, engine, steps, repeat):
    best = float("inf")
    for _ in range(repeat):
        trainer = Trainer(docs, config, num_steps=steps, seed=42, engine=engine)
        start = time.perf_counter()
        while not trainer.done:
            trainer.step()
        best = min(best, time.perf_counter() - start)
    return steps / best, trainer


def sampling_ms(trainer, names=20, repeat=5):
    best = float("inf")
    for seed in range(repeat):
        rng = random.Random(seed)
        start = time.perf_counter()
        for _ in range(names):
            sample_name(trainer.model, trainer.engine, 0.5, rng)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT / "data" / "names.txt"))
    p.add_argument("--steps", type=int, default=30, help="training steps per run (default 30)")
    p.add_argument("--repeat", type=int, default=10,
                   help="fast-engine runs; the best counts (default 10)")
    p.add_argument("--reference-repeat", type=int, default=2,
                   help="reference-engine runs; the best counts (default 2)")
    args = p.parse_args()
    docs = load_docs(args.data)
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{Path(args.data).name}, first {args.steps} steps")
    print(f"{'config':<24} {'reference':>11} {'fast':>11} {'ratio':>7}"
          f" {'fast, 500 steps':>16} {'20 names':>10}")
    for label, config in [("default (block_size 8)", GPTConfig()),
                          ("block_size 16", GPTConfig(block_size=16))]:
        ref, _ = steps_per_second(docs, config, "reference", args.steps, args.reference_repeat)
        fast, _ = steps_per_second(docs, config, "fast", args.steps, args.repeat)
        whole, trainer = steps_per_second(docs, config, "fast", 500, 1)
        print(f"{label:<24} {ref:>7.2f} /s {fast:>7.1f} /s {fast / ref:>6.1f}x"
              f" {whole:>13.1f} /s {sampling_ms(trainer):>7.1f} ms", flush=True)


if __name__ == "__main__":
    main()
