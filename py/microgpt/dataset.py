"""Documents and the character tokenizer.

A document is one stripped, non-empty line of a UTF-8 text file. Each character is a token,
and one extra token, BOS, marks where a document begins and ends.
"""
import hashlib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from .errors import MicrogptError
from .settings import MAX_DATA_BYTES, MAX_DOCS, MAX_VOCAB_CHARS, SETTINGS

MAX_LENGTH_COUNTED = SETTINGS["block_size"].maximum  # the report counts documents by length up to it


def parse_docs(text):
    """The documents in a text: its lines, split at universal newlines (\n, \r\n or \r, as
    Python's open() reads them), stripped, empty ones dropped. A byte-order mark is not text."""
    return _docs(_lines(text))


def data_id(docs):
    """A dataset's fingerprint: the same documents in the same order, the same id. A run can only
    go on with the dataset it was trained on: its order of documents comes from it."""
    return hashlib.sha256("\n".join(docs).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _docs(lines):
    return [line for line in map(str.strip, lines) if line]


def _lines(text):
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def load_docs(path):
    """Read the documents of a UTF-8 text file, or say clearly why they can't be had."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DATA_BYTES + 1)  # never more: /dev/zero has no end
    except FileNotFoundError:
        raise MicrogptError(f"data file not found: {path}") from None
    except IsADirectoryError:
        raise MicrogptError(f"data path is a folder, not a file: {path}") from None
    except OSError as e:
        raise MicrogptError(f"cannot read data file {path}: {e.strerror}") from None
    try:
        return read_dataset(data)[0]
    except MicrogptError as e:
        raise MicrogptError(f"{e}: {path}") from None


def read_dataset(data):
    """The documents in a file's bytes, and a report on what reading them found. The page and
    the CLI both read datasets here: the same bytes give the same documents everywhere.

    Refused, each with the reason: more than MAX_DATA_BYTES, binary data (NUL bytes), UTF-16,
    anything else that is not UTF-8, no documents, more than MAX_DOCS documents or more than
    MAX_VOCAB_CHARS distinct characters.
    """
    if len(data) > MAX_DATA_BYTES:
        raise MicrogptError(f"the dataset is larger than {MAX_DATA_BYTES // 2**20} MB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise MicrogptError("the dataset is UTF-16 text; save it as UTF-8")
    if b"\0" in data:
        raise MicrogptError("the dataset is binary, not text (it holds NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MicrogptError(f"the dataset is not UTF-8 text (byte {e.start} is not)") from None
    lines = _lines(text)
    docs = _docs(lines)
    if not docs:
        raise MicrogptError("the dataset has no non-empty lines")
    if len(docs) > MAX_DOCS:
        raise MicrogptError(f"the dataset has {len(docs):,} lines; the limit is {MAX_DOCS:,}")
    chars = sorted(set("".join(docs)))
    if len(chars) > MAX_VOCAB_CHARS:
        raise MicrogptError(f"the dataset has {len(chars):,} different characters; the limit is {MAX_VOCAB_CHARS}")
    return docs, _report(data, text, lines, docs, chars)


def _report(data, text, lines, docs, chars):
    """What a person should know about a dataset before training on it."""
    longest = max(docs, key=len)
    counts = Counter(map(len, docs))
    shorter = [counts[n] for n in range(MAX_LENGTH_COUNTED + 1)]
    lengths = shorter + [len(docs) - sum(shorter)]  # lengths[n]: documents of n characters; the last, longer
    marks = {ch for ch in chars if unicodedata.combining(ch)}  # accents written as their own character
    line_count = len(lines) - (lines[-1] == "")  # (what follows the last line break is no line)
    return {
        "bytes": len(data), "docs": len(docs), "chars": "".join(chars), "vocab_size": len(chars) + 1,
        "longest": longest, "lengths": lengths,
        "duplicates": len(docs) - len(set(docs)),
        "blank_lines": line_count - len(docs),  # every other line is a document
        "bom": text.startswith("\ufeff"),
        "crlf": text.count("\r\n"),
        "tabs": sum(1 for doc in docs if "\t" in doc) if "\t" in chars else 0,
        "invisible": [f"U+{ord(ch):04X}" for ch in chars if ch != "\t" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")],
        "combining": sum(1 for doc in docs if not marks.isdisjoint(doc)) if marks else 0,
        "symbols": "".join(ch for ch in chars if unicodedata.category(ch) == "So"),
    }


@dataclass(frozen=True)
class Tokenizer:
    chars: tuple  # the vocabulary: every character of the dataset, sorted

    @classmethod
    def from_docs(cls, docs):
        return cls(tuple(sorted(set("".join(docs)))))

    @property
    def bos(self):
        return len(self.chars)  # the token after the last character

    @property
    def vocab_size(self):
        return len(self.chars) + 1

    @cached_property
    def _ids(self):
        return {ch: i for i, ch in enumerate(self.chars)}

    def encode(self, doc):
        """A document as token ids, wrapped in BOS on both sides."""
        return [self.bos] + [self._ids[ch] for ch in doc] + [self.bos]

    def unknown(self, text):
        """The characters of text that have no token, sorted, as one string ("" if none)."""
        return "".join(sorted(set(text) - set(self.chars)))

    def char(self, token_id):
        """The token's character, or None for BOS."""
        return None if token_id == self.bos else self.chars[token_id]

    def decode(self, token_ids):
        return "".join(self.chars[i] for i in token_ids)
