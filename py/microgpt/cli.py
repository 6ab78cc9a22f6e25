"""The command line: train and sample with the same code the page runs.

    python3 -m microgpt train --data data/names.txt --steps 500 --out model.json
    python3 -m microgpt sample --model model.json --samples 20

Output follows microgpt.py's own format, one line per step and per sample.
"""
import argparse
import random
import sys
from pathlib import Path

from . import checkpoint
from .dataset import load_docs
from .engines import DEFAULT_ENGINE, ENGINES
from .errors import MicrogptError
from .model import GPTConfig, num_params
from .sampler import check_samples, check_temperature, sample_name
from .trainer import Trainer

DEFAULT_DATA = "data/names.txt"


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.command(args)
    except MicrogptError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def train(args):
    check_settings(args)
    docs = load_docs(args.data)
    if args.resume:
        trainer = Trainer.resume(checkpoint.load(args.resume), docs, args.engine)
    else:
        config = GPTConfig(args.n_embd, args.n_head, args.n_layer, args.block_size)
        trainer = Trainer(docs, config, args.steps, args.seed, args.engine)
    print(f"num docs: {len(docs)}")
    print(f"vocab size: {trainer.model.tokenizer.vocab_size}")
    model = trainer.model
    print(f"num params: {num_params(model.config, model.tokenizer.vocab_size)}")
    while not trainer.done:
        result = trainer.step()
        print(f"step {result.step:4d} / {result.num_steps:4d} | loss {result.loss:.4f}", flush=True)
    if args.out:
        checkpoint.save(trainer.checkpoint(), args.out)
    print_samples(trainer.model, trainer.engine, args, trainer.rng)


def sample(args):
    check_settings(args)
    ckpt = checkpoint.load(args.model)
    rng = random.Random(args.seed) if args.seed is not None else random.Random()
    if args.seed is None:
        rng.setstate(ckpt.rng_state)  # carry on the run's own stream, as microgpt.py would
    print_samples(ckpt.model, ENGINES[args.engine], args, rng)


def print_samples(model, engine, args, rng):
    for i in range(args.samples):
        print(f"sample {i + 1:2d}: {sample_name(model, engine, args.temperature, rng)}", flush=True)


def check_settings(args):
    check_temperature(args.temperature)
    out = getattr(args, "out", None)
    if out and not Path(out).resolve().parent.is_dir():
        raise MicrogptError(f"cannot write checkpoint {out}: its folder does not exist")
    check_samples(args.samples)


def parser():
    p = argparse.ArgumentParser(prog="microgpt", description="Train a tiny GPT and sample names from it.")
    commands = p.add_subparsers(required=True, metavar="COMMAND")

    t = commands.add_parser("train", help="train a model, print losses, then sample names")
    t.set_defaults(command=train)
    t.add_argument("--data", default=DEFAULT_DATA, help=f"text file, one document per line (default {DEFAULT_DATA})")
    t.add_argument("--steps", type=int, default=500, help="training steps, one document each (default 500)")
    t.add_argument("--block-size", type=int, default=8, help="longest context, in characters (default 8)")
    t.add_argument("--n-embd", type=int, default=16, help="embedding width (default 16)")
    t.add_argument("--n-head", type=int, default=4, help="attention heads; must divide --n-embd (default 4)")
    t.add_argument("--n-layer", type=int, default=1, help="transformer layers (default 1)")
    t.add_argument("--seed", type=int, default=42, help="random seed for shuffling, init and sampling (default 42)")
    t.add_argument("--out", help="save the trained model to this JSON checkpoint")
    t.add_argument("--resume", metavar="CHECKPOINT", help="continue the run saved in CHECKPOINT "
                   "(its settings replace the model flags and --steps/--seed)")
    add_sampling_args(t)

    s = commands.add_parser("sample", help="sample names from a saved model")
    s.set_defaults(command=sample)
    s.add_argument("--model", required=True, help="JSON checkpoint written by train --out")
    s.add_argument("--seed", type=int, help="random seed (default: continue the saved run's random stream)")
    add_sampling_args(s)
    return p


def add_sampling_args(p):
    p.add_argument("--samples", type=int, default=20, help="names to sample (default 20)")
    p.add_argument("--temperature", type=float, default=0.5,
                   help="sampling temperature, above 0: lower is safer, higher is wilder (default 0.5)")
    p.add_argument("--engine", choices=sorted(ENGINES), default=DEFAULT_ENGINE,
                   help=f"how to compute the model (default {DEFAULT_ENGINE})")
