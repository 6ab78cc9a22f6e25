"""Documents and the character tokenizer.

A document is one stripped, non-empty line of a UTF-8 text file. Each character is a token,
and one extra token, BOS, marks where a document begins and ends.
"""
from dataclasses import dataclass
from functools import cached_property

from .errors import MicrogptError
from .settings import MAX_DATA_BYTES


def parse_docs(text):
    """The documents in a text: its lines, split at universal newlines (\n, \r\n or \r, as
    Python's open() reads them), stripped, empty ones dropped. A byte-order mark is not text."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line.strip() for line in lines if line.strip()]


def load_docs(path):
    """Read the documents of a UTF-8 text file, or say clearly why they can't be had. The page
    reads the same bytes the same way: a file gives the same documents everywhere."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DATA_BYTES + 1)  # never more: /dev/zero has no end
    except FileNotFoundError:
        raise MicrogptError(f"data file not found: {path}") from None
    except IsADirectoryError:
        raise MicrogptError(f"data path is a folder, not a file: {path}") from None
    except OSError as e:
        raise MicrogptError(f"cannot read data file {path}: {e.strerror}") from None
    if len(data) > MAX_DATA_BYTES:
        raise MicrogptError(f"data file is larger than {MAX_DATA_BYTES // 2**20} MB: {path}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MicrogptError(f"data file is not UTF-8 text: {path}") from None
    docs = parse_docs(text)
    if not docs:
        raise MicrogptError(f"data file has no non-empty lines: {path}")
    return docs


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

    def char(self, token_id):
        """The token's character, or None for BOS."""
        return None if token_id == self.bos else self.chars[token_id]

    def decode(self, token_ids):
        return "".join(self.chars[i] for i in token_ids)
