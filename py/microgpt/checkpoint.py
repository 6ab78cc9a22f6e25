"""Checkpoints: a whole training run as one versioned JSON file.

The file holds the config, the vocabulary, the weights by name, and the training state
(step, Adam's moments, the seed and the random stream), so a run can be sampled from or
resumed anywhere: in the browser or on the command line.

A checkpoint may come from anywhere (a download, a link, a crafted file), so reading one is
strict: its size and nesting are limited before it is parsed, it must have exactly the
expected fields with the expected types, and every check happens before anything big is
built. Each failure is one MicrogptError with the reason.
"""
import json
import math
import os
import re
import secrets
from dataclasses import dataclass, fields

from .dataset import Tokenizer, data_id
from .errors import MicrogptError
from .model import GPTConfig, Model, check_size, param_shapes
from .settings import MAX_CHECKPOINT_BYTES, MAX_MAGNITUDE, check

FORMAT = "microgpt-checkpoint"
VERSION = 2  # 2 adds train.data, the dataset's fingerprint; version 1 files (without it) still open
MAX_DEPTH = 6  # {"train": {"adam": {"m": {name: [[number]]}}}} is the deepest field
RNG_VERSION, RNG_WORDS = 3, 625  # random.Random's state: Mersenne Twister's 624 words and an index


@dataclass
class Checkpoint:
    model: Model
    step: int  # training steps done
    num_steps: int  # the run's length, which sets the learning-rate decay
    seed: int
    adam_m: dict
    adam_v: dict
    rng_state: tuple  # random.Random.getstate(): where sampling continues from
    data_id: str = None  # the fingerprint of the dataset it trains on (dataset.data_id); None: unknown

    def trains_on(self, docs):
        """Whether docs is the dataset this run trains on: its fingerprint, or (a version 1
        file, without one) at least its characters."""
        if self.data_id is not None:
            return data_id(docs) == self.data_id
        return Tokenizer.from_docs(docs) == self.model.tokenizer


def to_json(ckpt):
    model = ckpt.model
    version, internal, gauss_next = ckpt.rng_state
    return json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "config": vars(model.config),
        "vocab": list(model.tokenizer.chars),
        "weights": model.weights,
        "train": {
            "step": ckpt.step,
            "num_steps": ckpt.num_steps,
            "seed": ckpt.seed,
            "adam": {"m": ckpt.adam_m, "v": ckpt.adam_v},
            "rng_state": [version, list(internal), gauss_next],
            "data": ckpt.data_id,
        },
    }, allow_nan=False)


def from_json(text):
    """Parse and check a checkpoint; anything off raises MicrogptError with the reason."""
    if len(text) > MAX_CHECKPOINT_BYTES:
        raise MicrogptError(f"checkpoint is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    # A checkpoint opens with its format (to_json writes it first): anything else, however big, is
    # refused from its first few bytes, before it is scanned or parsed.
    head = _HEAD.match(text, 0, 1024)
    if head is None or head.group(1) != FORMAT:
        raise MicrogptError(f"not a microgpt checkpoint (it must begin {{\"format\": \"{FORMAT}\"")
    if _depth(text) > MAX_DEPTH:
        raise MicrogptError("checkpoint is nested deeper than a checkpoint can be")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as e:
        raise MicrogptError(f"checkpoint is not valid JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MicrogptError(f"not a microgpt checkpoint (expected format {FORMAT!r})")
    if type(data.get("version")) is not int or data["version"] not in (1, VERSION):
        raise MicrogptError(f"checkpoint version {data.get('version')!r} is not supported "
                            f"(this microgpt reads version {VERSION})")
    return _checkpoint(data)


_HEAD = re.compile(r'\s*\{\s*"format"\s*:\s*"([^"\\]{0,64})"')


def _depth(text):
    """How deeply the JSON text's arrays and objects nest (brackets inside strings don't count),
    found without parsing: a parser would recurse as deep as the nesting goes. It jumps from one
    bracket or quote to the next (numbers, most of a checkpoint, are skipped at C speed), and over
    each string whole; the string pattern is possessive (*+, ++): it never backtracks, so a long
    string costs no memory to skip."""
    depth = deepest = position = 0
    while token := _STRUCTURE.search(text, position):
        mark = text[token.start()]
        position = token.end()
        if mark == '"':
            position = _STRING_REST.match(text, position).end()  # (unterminated: to the end)
        elif mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


_STRUCTURE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+(?:"|\Z)')


def _reject_constant(name):
    raise MicrogptError(f"checkpoint holds {name}, not a finite number")


def _fields(data, keys, what):
    """data's values for exactly these keys, in order."""
    if not isinstance(data, dict) or set(data) != set(keys):
        raise MicrogptError(f"checkpoint {what} must have exactly the fields {', '.join(keys)}")
    return [data[key] for key in keys]


def _checkpoint(data):
    config_data, vocab, weights, train = _fields(
        data, ["format", "version", "config", "vocab", "weights", "train"], "file")[2:]
    config_keys = [f.name for f in fields(GPTConfig)]
    config = GPTConfig(**{key: check(key, value)
                          for key, value in zip(config_keys, _fields(config_data, config_keys, "config"))})
    if (not isinstance(vocab, list) or not vocab
            or any(not isinstance(ch, str) or len(ch) != 1 or not _can_be_in_a_document(ch) for ch in vocab)
            or vocab != sorted(set(vocab))):
        raise MicrogptError("checkpoint vocab must be a sorted list of distinct characters that a "
                            "dataset can hold (no line breaks, NUL or lone surrogates)")
    tokenizer = Tokenizer(tuple(vocab))
    check_size(config, tokenizer.vocab_size)
    keys = ["step", "num_steps", "seed", "adam", "rng_state"] + (["data"] if data["version"] >= 2 else [])
    step, num_steps, seed, adam, rng_state, *data_id = _fields(train, keys, "train")
    data_id = data_id[0] if data_id else None
    if data_id is not None and not (isinstance(data_id, str) and re.fullmatch(r"[0-9a-f]{16}", data_id)):
        raise MicrogptError("checkpoint train.data must be a dataset fingerprint (16 hex digits)")
    for name, value in (("steps", num_steps), ("seed", seed)):
        check(name, value)
    if type(step) is not int or not 0 <= step <= num_steps:
        raise MicrogptError("checkpoint step must be a whole number from 0 to num_steps")
    m, v = _fields(adam, ["m", "v"], "train.adam")
    shapes = param_shapes(config, tokenizer.vocab_size)
    weights, adam_m, adam_v = (_matrices(matrices, shapes, what)
                               for matrices, what in ((weights, "weights"), (m, "adam.m"), (v, "adam.v")))
    if any(x < 0 for rows in adam_v.values() for row in rows for x in row):
        raise MicrogptError("checkpoint adam.v holds a negative number (it is a mean of squares)")
    return Checkpoint(Model(config, tokenizer, weights), step, num_steps, seed, adam_m, adam_v,
                      _rng_state(rng_state), data_id)


def _can_be_in_a_document(ch):
    """What dataset.read_dataset can give a document: any character but a line break, NUL (binary
    data) and a lone surrogate (not UTF-8). (Tabs and invisible ones it reports, and keeps; the
    CLI escapes whatever a terminal would act on.)"""
    return ch not in "\n\r\0" and not 0xD800 <= ord(ch) <= 0xDFFF


def _matrices(matrices, shapes, what):
    """Exactly the config's matrices, of its shapes, of finite numbers within MAX_MAGNITUDE, as floats."""
    if not isinstance(matrices, dict) or set(matrices) != set(shapes):
        raise MicrogptError(f"checkpoint {what}: expected matrices {', '.join(sorted(shapes))}")
    for name, (rows, cols) in shapes.items():
        matrix = matrices[name]
        if (not isinstance(matrix, list) or len(matrix) != rows
                or any(not isinstance(row, list) or len(row) != cols for row in matrix)):
            raise MicrogptError(f"checkpoint {what}: {name} must be {rows} x {cols}")
        for row in matrix:
            for x in row:
                # (a bool is an int to Python; 10**400 is an int no float can hold)
                if type(x) not in (int, float) or not -MAX_MAGNITUDE <= x <= MAX_MAGNITUDE:
                    raise MicrogptError(f"checkpoint {what}: {name} holds {_short(x)}, not a finite "
                                        f"number within ±{MAX_MAGNITUDE:g}")
    return {name: [[float(x) for x in row] for row in rows] for name, rows in matrices.items()}


def _rng_state(state):
    """A state random.Random could really have been in: version 3, 624 words of 32 bits that are
    not all zero, an index up to 624, and no Gaussian or a finite one."""
    if not isinstance(state, list) or len(state) != 3:
        raise MicrogptError("checkpoint rng_state is not a random-generator state")
    version, internal, gauss_next = state
    if (type(version) is not int or version != RNG_VERSION or not isinstance(internal, list)
            or len(internal) != RNG_WORDS or any(type(w) is not int or not 0 <= w < 2**32 for w in internal)
            or internal[-1] > RNG_WORDS - 1 or not any(internal[:-1])
            or not (gauss_next is None or type(gauss_next) is float and math.isfinite(gauss_next))):
        raise MicrogptError("checkpoint rng_state is not a random-generator state")
    return version, tuple(internal), gauss_next


def _short(value):
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def save(ckpt, path):
    """Write the checkpoint atomically: to a new file beside path, then renamed over it, so a
    save that fails leaves whatever was at path as it was."""
    text = to_json(ckpt)  # made before any file is touched
    temporary = f"{path}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "x", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as e:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise MicrogptError(f"cannot write checkpoint {path}: {e.strerror}") from None


def check_writable(path):
    """Refuse, before any training, an --out that save() could not write."""
    if not path:
        raise MicrogptError("--out needs a file name")
    if os.path.isdir(path):
        raise MicrogptError(f"cannot write checkpoint {path}: it is a folder")
    if os.path.exists(path) and not os.path.isfile(path):
        raise MicrogptError(f"cannot write checkpoint {path}: it is not a regular file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise MicrogptError(f"cannot write checkpoint {path}: its folder does not exist")
    probe = os.path.join(folder, f".microgpt-{secrets.token_hex(4)}.tmp")
    try:
        with open(probe, "x"):
            pass
        os.unlink(probe)
    except OSError as e:
        raise MicrogptError(f"cannot write checkpoint {path}: {e.strerror}") from None


def load(path):
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CHECKPOINT_BYTES + 1)  # never more: a file may have no end
    except OSError as e:
        raise MicrogptError(f"cannot read checkpoint {path}: {e.strerror}") from None
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise MicrogptError(f"checkpoint is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB: {path}")
    try:
        return from_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise MicrogptError(f"checkpoint is not UTF-8 text: {path}") from None
