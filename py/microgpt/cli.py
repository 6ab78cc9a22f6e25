"""The command line: train and sample with the same code the page runs.

    python3 -m microgpt train --data data/names.txt --steps 500 --out model.json
    python3 -m microgpt sample --model model.json --samples 20
    python3 -m microgpt sample --model model.json --top-k 5      (or --greedy, or --top-p 0.9)

Output follows microgpt.py's own format, one line per step and per sample.
"""
import argparse
import contextlib
import os
import random
import signal
import sys

from . import checkpoint, lab
from .dataset import load_docs
from .engines import get_engine
from .errors import MicrogptError
from .model import GPTConfig, num_params
from .sampler import new_name, prefix_ids, run
from .settings import (MAX_CHECKPOINT_BYTES, MAX_DATA_BYTES, MAX_DOCS, MAX_PARAMS, MAX_VOCAB_CHARS, SETTINGS,
                       check_all)
from .trainer import Trainer

DEFAULT_DATA = "data/names.txt"


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.command(args)
    except MicrogptError as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory", file=sys.stderr)
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
        trainer = Trainer.new(docs, config, args.steps, args.seed, args.engine)
    prefix_ids(trainer.model, args.prefix)  # refused before training
    print(f"num docs: {len(docs)}")
    print(f"vocab size: {trainer.model.tokenizer.vocab_size}")
    model = trainer.model
    print(f"num params: {num_params(model.config, model.tokenizer.vocab_size)}")
    with ctrl_c_between_steps() as interrupted:
        while not trainer.done and not interrupted:
            result = trainer.step()
            print(f"step {result.step:4d} / {result.num_steps:4d} | loss {result.loss:.4f}", flush=True)
    if interrupted:
        if args.out and trainer.steps_done:
            checkpoint.save(trainer.checkpoint(), args.out)
            print(f"interrupted at step {trainer.steps_done} of {trainer.num_steps}: saved the run so far "
                  f"to {args.out} (carry on with --resume {args.out})", file=sys.stderr)
        raise KeyboardInterrupt
    if args.out:
        checkpoint.save(trainer.checkpoint(), args.out)
    print_samples(trainer.model, trainer.engine, args, sampling_stream(trainer.rng, args.sample_seed))


@contextlib.contextmanager
def ctrl_c_between_steps():
    """Ctrl-C noted, not raised, while training: a step (the weights and Adam's moments, updated
    in place) is never cut in half, and the run stops after the step it was in."""
    interrupted = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    except (ValueError, OSError, AttributeError):  # not the main thread, or no signals here
        previous = None
    try:
        yield interrupted
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def sample(args):
    check_settings(args)
    ckpt = checkpoint.load(args.model)
    run_stream = random.Random()
    run_stream.setstate(ckpt.rng_state)
    rng = sampling_stream(run_stream, args.sample_seed)
    if args.loop:
        return print_lab_samples(ckpt.model, get_engine(args.engine), args, rng)
    print_samples(ckpt.model, get_engine(args.engine), args, rng)


def print_lab_samples(model, engine, args, rng):
    """The names of an edited loop (the page's lab), as print_samples prints names; what the
    edit prints goes to stderr, so stdout holds the names alone."""
    if args.sampling != "temperature" or args.prefix or args.show_probs:
        raise MicrogptError("--loop draws as the loop says: leave out --greedy, --top-k, --top-p, --prefix and "
                            "--show-probs")
    source = read_loop(args.loop)
    for event in lab.events(source, model, engine, args.samples, args.temperature, rng):
        if "output" in event:
            print(event["output"], end="", file=sys.stderr, flush=True)
        elif "error" in event:
            print(event["error"]["trace"], end="", file=sys.stderr)
            raise MicrogptError(f"the loop in {args.loop} failed: {event['error']['message']}")
        elif "name" in event:
            print(f"sample {event['sample'] + 1:2d}: {printable(event['name'])}", flush=True)


def read_loop(path):
    try:
        with open(path, "rb") as file:
            data = file.read(lab.MAX_SOURCE * 4 + 1)
    except OSError as e:
        raise MicrogptError(f"cannot read the loop {path}: {e.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MicrogptError(f"the loop {path} is not UTF-8 text") from None


def sampling_stream(run_stream, seed):
    """No seed: the run's own random stream goes on, as in microgpt.py. A seed: a fresh one."""
    return run_stream if seed is None else random.Random(seed)


def print_samples(model, engine, args, rng):
    for i in range(args.samples):
        turns, name = run(new_name(model, engine, args.temperature, rng, args.prefix, sampling=args.sampling,
                                   top_k=args.top_k, top_p=args.top_p))
        print(f"sample {i + 1:2d}: {printable(name)}", flush=True)
        if args.show_probs:
            for turn in turns[len(args.prefix):]:  # (the prefix is given, not drawn)
                print(f"    {describe_turn(turn, model.tokenizer)}")


def describe_turn(turn, tokenizer, top=5):
    """One drawn token and the top candidates at its position, with their probabilities."""
    label = lambda token_id: "BOS" if token_id == tokenizer.bos else printable(tokenizer.chars[token_id])
    ranked = sorted(range(len(turn.probs)), key=lambda token_id: -turn.probs[token_id])[:top]
    candidates = ", ".join(f"{label(t)} {turn.probs[t]:.4f}" for t in ranked)
    return f"pos {turn.pos}: drew {label(turn.token_id)} ({turn.probs[turn.token_id]:.4f}); top {top}: {candidates}"


def printable(text):
    """text with every character a terminal would act on (ESC, a newline, a lone surrogate...)
    written as an escape instead: a dataset or a checkpoint can't drive the terminal."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def check_settings(args):
    """Refuse a bad setting before anything is read or trained."""
    check_all(**{name: value for name, value in vars(args).items() if name in SETTINGS})
    if getattr(args, "resume", None) is None and "n_embd" in vars(args):
        GPTConfig(args.n_embd, args.n_head, args.n_layer, args.block_size)  # e.g. heads divide n_embd
    out = getattr(args, "out", None)
    if out is not None:
        checkpoint.check_writable(out)
        for flag, path in (("--data", args.data), ("--resume", args.resume)):
            if path and os.path.exists(path) and os.path.exists(out) and os.path.samefile(path, out):
                raise MicrogptError(f"--out {out} would overwrite the {flag} file")


def parser():
    p = argparse.ArgumentParser(
        prog="microgpt", description="Train a tiny GPT and sample names from it.",
        epilog=f"Limits: data files up to {MAX_DATA_BYTES // 2**20} MB, {MAX_DOCS:,} lines and {MAX_VOCAB_CHARS} "
               f"different characters; checkpoints up to {MAX_CHECKPOINT_BYTES // 2**20} MB; models up to "
               f"{MAX_PARAMS:,} parameters.")
    commands = p.add_subparsers(required=True, metavar="COMMAND")

    t = commands.add_parser("train", help="train a model, print losses, then sample names", epilog=p.epilog)
    t.set_defaults(command=train)
    t.add_argument("--data", default=DEFAULT_DATA, help=f"text file, one document per line (default {DEFAULT_DATA})")
    add_setting(t, "steps", "training steps, one document each")
    add_setting(t, "block_size", "longest context, in characters")
    add_setting(t, "n_embd", "embedding width")
    add_setting(t, "n_head", "attention heads; must divide --n-embd")
    add_setting(t, "n_layer", "transformer layers")
    add_setting(t, "seed", "random seed for shuffling, init and, unless --sample-seed, sampling")
    add_setting(t, "sample_seed", "random seed for the samples after training "
                "(default: continue the run's own random stream, as microgpt.py does)")
    t.add_argument("--out", help="save the trained model to this JSON checkpoint")
    t.add_argument("--resume", metavar="CHECKPOINT", help="continue the run saved in CHECKPOINT "
                   "(its settings replace the model flags and --steps/--seed)")
    add_sampling_args(t)

    s = commands.add_parser("sample", help="sample names from a saved model", epilog=p.epilog)
    s.set_defaults(command=sample)
    s.add_argument("--model", required=True, help="JSON checkpoint written by train --out")
    add_setting(s, "sample_seed", "random seed (default: continue the saved run's random stream)", flag="--seed")
    s.add_argument("--loop", metavar="FILE.py", help="sample with this edit of the generation loop (the page's lab: "
                   "it defines sample(gpt, model, temperature, rng)) instead of the package's own")
    add_sampling_args(s)
    return p


def add_sampling_args(p):
    add_setting(p, "samples", "names to sample")
    add_setting(p, "prefix", "every name starts with this text: fed to the model, then drawing goes on")
    p.add_argument("--show-probs", action="store_true",
                   help="after each name, each drawn character's probability and the top 5 candidates")
    add_setting(p, "temperature", "sampling temperature, in every mode: lower is safer, higher is wilder")
    # The sampling mode (settings.py's sampling): without one of these, microgpt.py's plain draw.
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--greedy", dest="sampling", action="store_const", const="greedy",
                      default=SETTINGS["sampling"].default, help="always take the most likely character (no randomness)")
    mode.add_argument("--top-k", dest="top_k", metavar="K", type=int, action=Mode, const="top-k",
                      default=SETTINGS["top_k"].default,
                      help=f"draw only from the K most likely characters ({limits(SETTINGS['top_k'])})")
    mode.add_argument("--top-p", dest="top_p", metavar="P", type=float, action=Mode, const="top-p",
                      default=SETTINGS["top_p"].default,
                      help=f"draw only from the most likely characters that make up probability P "
                           f"({limits(SETTINGS['top_p'])})")
    add_setting(p, "engine", "how to compute the model")


class Mode(argparse.Action):
    """--top-k K or --top-p P: its number, and the sampling mode it chooses (const)."""

    def __call__(self, parser, namespace, value, option_string=None):
        setattr(namespace, self.dest, value)
        namespace.sampling = self.const


def add_setting(p, name, help, flag=None):
    """A flag for a setting of settings.py, with its default and limits in the help."""
    setting = SETTINGS[name]
    default = "" if setting.default in (None, "") else f", default {setting.default}"
    p.add_argument(flag or f"--{name.replace('_', '-')}", dest=name, type=setting.kind, default=setting.default,
                   help=f"{help} ({limits(setting)}{default})")


def limits(setting):
    if setting.choices:
        return f"one of {', '.join(setting.choices)}"
    if setting.kind is str:
        return f"at most {setting.maximum} characters"
    return f"{setting.minimum} to {setting.maximum}"
