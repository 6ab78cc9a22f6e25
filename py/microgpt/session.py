"""What the page drives: an optional dataset, and a run that holds a model.

The web worker holds one Session and calls it with plain values (numbers and strings,
passed as arguments, never as Python source). It answers with plain dicts and lists, so
every result crosses into JavaScript as ordinary objects.

The run is a Trainer: a new one from start_training(), or one opened from checkpoint JSON.
A model opened without its dataset can sample but not train.
"""
import random
import time

from . import checkpoint, lab, standalone
from .dataset import Tokenizer, read_dataset
from .lesson import Lesson, about, gradient_cost, run_on
from .errors import MicrogptError
from .model import GPTConfig, num_params
from .sampler import log_prob, loop_source, new_name, prefix_ids, run
from .settings import DEFAULTS, check, check_all
from .stepper import Stepper
from .trainer import Trainer
from .watcher import Watcher, default_probe


class Session:
    def __init__(self, text=None):
        self.docs = None  # the dataset to train on
        self.run = None  # the Trainer: the model, Adam's state, the step and the random stream
        self.stepper = None  # the generation loop under the page's Look inside view
        self.lesson_view = None  # the lesson's view of it
        self.watcher = Watcher()  # what the page's training views show of the run
        if text is not None:
            self.use_dataset(text)

    def use_dataset(self, data):
        """Read a dataset (a file's bytes, or pasted text) as the CLI reads a file, and train on
        it from now on; return the report on it. A refused dataset leaves the one there was,
        and the model, as they were."""
        if isinstance(data, str):
            try:
                data = data.encode("utf-8")
            except UnicodeEncodeError:
                raise MicrogptError("the text holds a broken character (a lone surrogate)") from None
        elif hasattr(data, "to_bytes"):
            data = data.to_bytes()  # a Uint8Array from the page, through Pyodide
        elif not isinstance(data, bytes):
            raise MicrogptError("a dataset is text or a file's bytes")
        self.docs, report = read_dataset(data)
        return report

    def describe(self, n_embd=DEFAULTS["n_embd"], n_head=DEFAULTS["n_head"], n_layer=DEFAULTS["n_layer"],
                 block_size=DEFAULTS["block_size"]):
        """The dataset, and the size of the model these settings would make."""
        if self.docs is None:
            raise MicrogptError("there is no dataset")
        config = _config(n_embd, n_head, n_layer, block_size)
        tokenizer = Tokenizer.from_docs(self.docs)
        return {"docs": len(self.docs), "vocab_size": tokenizer.vocab_size, "chars": "".join(tokenizer.chars),
                "num_params": num_params(config, tokenizer.vocab_size)}

    def warm_up(self, n_embd, n_head, n_layer, block_size):
        """Compile the fast engine's kernels for a model of this shape on this dataset now, while
        the page waits for the user, rather than in the first steps of training: one step of a
        throwaway run on documents of every length up to the block size, and one name. It is a
        generator, a step per item, so the worker can give way to the user between two (a large
        model's warm-up takes many seconds, and Train must not wait for it)."""
        if self.docs is None:
            raise MicrogptError("there is no dataset")
        config = _config(n_embd, n_head, n_layer, block_size)
        chars = "".join(Tokenizer.from_docs(self.docs).chars)
        docs = [chars] + [(chars * block_size)[:length] for length in range(1, block_size + 1)]  # all the vocabulary
        return self._warming(Trainer.new(docs, config, num_steps=len(docs), seed=0, engine="fast"))

    @staticmethod
    def _warming(throwaway):
        while not throwaway.done:
            throwaway.step()
            yield throwaway.steps_done
        run(new_name(throwaway.model, throwaway.engine, 1.0, random.Random(0)))
        yield throwaway.steps_done

    def start_training(self, steps, seed, n_embd, n_head, n_layer, block_size, engine):
        if self.docs is None:
            raise MicrogptError("training needs a dataset")
        check_all(steps=steps, seed=seed)
        config = _config(n_embd, n_head, n_layer, block_size)
        self.run = Trainer.new(self.docs, config, steps, seed, engine)
        self.stepper = None  # it looked at the model this run replaces
        self.watcher.follow(self.run, default_probe(self.docs, config.block_size))
        return {"num_steps": steps, "num_params": num_params(config, self.run.model.tokenizer.vocab_size)}

    def train(self, seconds):
        """Train until about `seconds` have passed or the run is done; return the new losses.
        The watcher sees every step (the views are collected with views())."""
        run, watcher = self._model_run(), self.watcher
        deadline = time.perf_counter() + seconds
        losses = []
        while not run.done:
            result = run.step(measure=watcher.measuring())
            watcher.after_step(result)
            losses.append(result.loss)
            if time.perf_counter() >= deadline:
                break
        watcher.after_chunk()
        if run.done:
            run.seen  # (built now, while the page shows the end of the run, not in the first Generate)
        return {"step": run.steps_done, "num_steps": run.num_steps, "losses": losses}

    def progress(self):
        """Where the run is: its step and its number of steps."""
        run = self._model_run()
        return {"step": run.steps_done, "num_steps": run.num_steps}

    def save(self):
        """The run as checkpoint JSON, so the page can keep it and hand it to a new worker."""
        return checkpoint.to_json(self._model_run().checkpoint())

    def open(self, text, engine):
        """Open a run from checkpoint JSON, to sample from it and, given its dataset, to go on
        training it: sampling without a seed continues its random stream where it was saved."""
        ckpt = checkpoint.from_json(text)
        docs = self.docs
        if docs is not None and not ckpt.trains_on(docs):
            docs = None  # another dataset: the model can sample, not train
        self.run = Trainer.resume(ckpt, docs, engine)
        self.stepper = None
        self.watcher.follow(self.run, default_probe(docs, ckpt.model.config.block_size))
        settings = {"steps": ckpt.num_steps, "seed": ckpt.seed, **vars(ckpt.model.config)}
        return {"step": ckpt.step, "num_steps": ckpt.num_steps, "can_train": docs is not None, "settings": settings}

    def views(self, latest=False):
        """What the training views need since they last asked (watcher.Watcher.collect); latest:
        with a frame of the step training paused at."""
        self._model_run()
        return self.watcher.collect(latest)

    def watch(self, probe=None, shown=None):
        """Set the probe word and whether the views are shown; the frame they show now (None
        before there is a model: the probe is then checked when one comes)."""
        if probe is not None:
            check("prefix", probe)  # (as long as a prefix may be)
        return self.watcher.watch(probe, shown)

    def travel(self, step):
        """Go back to a kept step: its frame, and names sampled from its weights with a fixed seed."""
        self._model_run()
        if type(step) is not int:
            raise MicrogptError("a step is a whole number")
        return self.watcher.travel(step)

    def generate(self, samples, temperature, seed=None, prefix="", sampling=DEFAULTS["sampling"],
                 top_k=DEFAULTS["top_k"], top_p=DEFAULTS["top_p"]):
        """Yield each character as it comes out, {"sample", "char", "prob"}, and after each name
        {"sample", "name", "log_prob", "novel"}: its log-probability (under the distributions it
        was drawn from, in the sampling mode), and whether it is not one of the run's training
        documents (None when the run's dataset isn't here).

        Without a seed, sampling continues the run's own random stream: the first batch
        after training is the names microgpt.py prints, and the next batch goes on from
        there. A seed starts a fresh stream, random.Random(seed).
        """
        run = self._model_run()
        mode = check_all(sampling=sampling, top_k=top_k, top_p=top_p)
        check_all(samples=samples, temperature=temperature, sample_seed=seed, prefix=prefix)
        rng = run.rng if seed is None else random.Random(seed)
        tokenizer = run.model.tokenizer
        for i in range(samples):
            loop = new_name(run.model, run.engine, temperature, rng, prefix, **mode)
            turns = []
            while True:
                try:
                    turn = next(loop)
                except StopIteration as end:
                    name = end.value
                    break
                turns.append(turn)
                if turn.token_id != tokenizer.bos:
                    yield {"sample": i, "char": tokenizer.chars[turn.token_id], "prob": turn.probs[turn.token_id]}
            yield {"sample": i, "name": name, "log_prob": log_prob(turns, given=len(prefix)),
                   "novel": None if run.seen is None else name not in run.seen}

    def inspect_start(self, temperature, seed=None, prefix="", sampling=DEFAULTS["sampling"], top_k=DEFAULTS["top_k"],
                      top_p=DEFAULTS["top_p"]):
        """Start generating one name a turn at a time, in a sampling mode, for the page's Look
        inside view: the loop's own source, and the labels of the tokens (BOS last)."""
        run = self._model_run()
        mode = check_all(sampling=sampling, top_k=top_k, top_p=top_p)
        check_all(temperature=temperature, sample_seed=seed, prefix=prefix)
        prefix_ids(run.model, prefix)  # refused now, not at a step
        rng = run.rng if seed is None else random.Random(seed)
        self.stepper = Stepper(run.model, run.engine, temperature, rng, prefix, seed, **mode)
        config = run.model.config
        return {"source": loop_source(), "tokens": [*run.model.tokenizer.chars, "BOS"],
                "n_layer": config.n_layer, "n_head": config.n_head, "block_size": config.block_size}

    def inspect_step(self):
        """The loop's next turn (None once the name is done)."""
        return self._turn(self._stepper().step())

    def inspect_temperature(self, temperature):
        """Draw at this temperature from now on, in the same mode; the current turn's probabilities at it."""
        check_all(temperature=temperature)
        return {"probs": self._stepper().set_temperature(temperature)}

    def inspect_branch(self, token_id):
        """Force token_id at the current position and go on from there."""
        stepper = self._stepper()
        if stepper.step_shown is None or type(token_id) is not int or not 0 <= token_id < len(stepper.step_shown.probs):
            raise MicrogptError("there is no such token to force here")
        return self._turn(stepper.branch(token_id))

    # --- The lesson (lesson.py), on the name Look inside is stepping --------------------------

    def lesson(self):
        """The lesson's numbers at the current turn of Look inside's name (only the model's before one)."""
        run = self._model_run()
        if self.stepper is None:
            return about(run)
        if self.lesson_view is None or self.lesson_view.stepper is not self.stepper:
            self.lesson_view = Lesson(self.stepper, run)
        return self.lesson_view.show()

    def lesson_run_on(self, temperature, seed):
        """A name sampled by the loop with its stopping condition taken away (lesson.run_on)."""
        run = self._model_run()
        check_all(temperature=temperature, sample_seed=seed)
        return run_on(run.model, run.engine, temperature, seed)

    def lesson_gradient_cost(self, doc):
        """One training step's forward pass against forward and backward, timed here on doc."""
        run = self._model_run()
        check("prefix", doc)  # (no longer than a prefix may be)
        unknown = run.model.tokenizer.unknown(doc)
        if unknown:
            raise MicrogptError(f"the name has characters the model never saw in training: {unknown!r}")
        return gradient_cost(run, doc)

    # --- The lab (lab.py): the loop as the learner edited it ---------------------------------

    def lab_preset(self, name):
        """The source of a preset edit of the loop (lab.PRESETS; "original": the loop itself)."""
        return lab.preset(name)

    def lab_run(self, source, samples, temperature, seed=None):
        """Run the edited loop on the model: its events (lab.events), as they come. No seed: from
        where the run's own random stream is (which it leaves there); a seed: a fresh stream."""
        run = self._model_run()
        check_all(samples=samples, temperature=temperature, sample_seed=seed)
        rng = run.rng if seed is None else random.Random(seed)
        return lab.events(source, run.model, run.engine, samples, temperature, rng)

    def lab_script(self, source, samples, temperature, seed):
        """The edit, the model's code and its weights as one file that prints the lab's names."""
        run = self._model_run()
        check_all(samples=samples, temperature=temperature, sample_seed=seed)
        if seed is None:
            raise MicrogptError("a script needs a sampling seed, to print the same names every time")
        lab.compile_edit(source)  # (a broken edit is said now, not by the script)
        return standalone.script(source, run.model, samples, temperature, seed)

    def _stepper(self):
        if self.stepper is None:
            raise MicrogptError("start looking inside first")
        return self.stepper

    def _turn(self, step):
        if step is None:
            return None
        label = lambda token_id: self.stepper.model.tokenizer.char(token_id) or "BOS"
        return {"pos": step.pos, "name": step.name, "input": step.name[-1] if step.name else "BOS",
                "token": label(step.token_id), "token_id": step.token_id, "prob": step.prob,
                "forced": step.forced, "logits": step.logits, "probs": step.probs,
                "attention": step.attention, "kv": [len(layer[0]) for layer in step.attention],
                "done": self.stepper.done}

    def _model_run(self):
        if self.run is None:
            raise MicrogptError("there is no model yet: train one first")
        return self.run


def rehearse_first_visit():
    """Do once, on a throwaway model of the default shape, what the page does first: train a
    step, sample a name, open a checkpoint and show its views. Every module and fast-engine
    kernel that takes is then loaded and compiled. The build does this before it lists the
    standard modules the page needs (tools/make_core.mjs) and before it takes Python's memory
    snapshot (tools/make_snapshot.mjs)."""
    letters = "".join(chr(ord("a") + i) for i in range(26))  # (the default dataset's vocabulary)
    shape = {name: DEFAULTS[name] for name in ("n_embd", "n_head", "n_layer", "block_size")}
    session = Session(f"ab\nba\n{letters}\n")
    session.start_training(steps=2, seed=0, engine="fast", **shape)
    session.train(seconds=0.0)
    list(session.generate(samples=1, temperature=0.5, seed=0))
    session.open(session.save(), "fast")
    session.views(latest=True)


def _config(n_embd, n_head, n_layer, block_size):
    return GPTConfig(**check_all(n_embd=n_embd, n_head=n_head, n_layer=n_layer, block_size=block_size))


def take(events, seconds):
    """The next events of a generator, as many as come within about `seconds` (at least one,
    unless it is exhausted): the worker crosses from JavaScript into Python once per batch,
    not once per character."""
    deadline = time.perf_counter() + seconds
    batch = []
    for event in events:
        batch.append(event)
        if time.perf_counter() >= deadline:
            break
    return batch
