"""The strict checkpoint reader, on `checkpoint` itself: a checkpoint may come from anywhere (a
download, a link, a crafted file), so every way a file can be off is refused with one
MicrogptError that says why, before anything big is built. (The CLI turns that error into one
`error:` line: test_cli.py checks that once.)"""
import json
import tracemalloc
import re

import pytest

from microgpt import GPTConfig, Trainer, checkpoint
from microgpt.dataset import load_docs
from microgpt.errors import MicrogptError
from microgpt.settings import MAX_CHECKPOINT_BYTES

from helpers import DATA


@pytest.fixture(scope="module")
def good():
    """A good checkpoint's JSON text: two steps on the elements."""
    trainer = Trainer.new(load_docs(DATA / "elements.txt"), GPTConfig(n_embd=8, n_head=2), 2, 42, "fast")
    trainer.step(), trainer.step()
    return checkpoint.to_json(trainer.checkpoint())


def refused(text, fragment):
    with pytest.raises(MicrogptError, match=re.escape(fragment)):
        checkpoint.from_json(text)


def test_a_good_checkpoint_reads_back_as_it_was_written(good):
    assert checkpoint.to_json(checkpoint.from_json(good)) == good


def nested(depth):
    return '{"format": "microgpt-checkpoint", "x": ' + "[" * depth + "]" * depth + "}"


def huge_vocabulary(d):
    d["config"].update(n_embd=64, n_head=4)
    d["vocab"] = [chr(0x4E00 + i) for i in range(10_000)]  # printable, distinct and sorted


# Each change to a good checkpoint's fields, and the reason the reader gives.
TAMPERED = [
    # what it is
    (lambda d: d.update(format="something-else"), "not a microgpt checkpoint"),
    (lambda d: d.update(version=99), "version 99"),
    (lambda d: d.update(version=True), "version True is not supported"),
    (lambda d: d.update(version=1.0), "version 1.0 is not supported"),
    (lambda d: d.update(extra=1), "exactly the fields"),
    (lambda d: d.pop("train"), "exactly the fields"),
    # the config
    (lambda d: d["config"].update(n_layer=10**9), "n_layer must be a whole number from 1 to 4"),
    (lambda d: d["config"].pop("n_head"), "config must have exactly the fields"),
    (lambda d: d["config"].update(n_head=True), "n_head must be a whole number"),
    (lambda d: d["config"].update(n_head=3), "divisible"),
    # the vocabulary
    (lambda d: d.update(vocab=["\udfff"] + d["vocab"][1:]), "lone surrogates"),
    (lambda d: d.update(vocab=["\0"] + d["vocab"][1:]), "NUL"),
    (lambda d: d.update(vocab=["\n"] + d["vocab"][1:]), "line breaks"),
    (lambda d: d.update(vocab=d["vocab"] * 2000), "distinct"),
    (huge_vocabulary, "too big"),
    # the weights
    (lambda d: d["weights"]["wte"].pop(), "wte must be"),
    (lambda d: d["weights"]["lm_head"][0].append(0.1), "lm_head must be"),
    (lambda d: d["weights"].pop("wpe"), "expected matrices"),
    (lambda d: d["weights"]["wte"][0].__setitem__(0, 10**400), "not a finite number"),
    (lambda d: d["weights"]["wte"][0].__setitem__(0, 1.7e308), "not a finite number"),
    (lambda d: d["weights"]["wte"][0].__setitem__(0, True), "not a finite number"),
    # the training state
    (lambda d: d["train"]["adam"]["v"]["wte"][0].pop(), "adam.v"),
    (lambda d: d["train"]["adam"]["v"]["wte"][0].__setitem__(0, -1.0), "negative"),
    (lambda d: d["train"]["rng_state"][1].__setitem__(0, -1), "rng_state"),
    (lambda d: d["train"]["rng_state"].__setitem__(1, [0] * 625), "rng_state"),
    (lambda d: d["train"]["rng_state"].__setitem__(1, [1] * 624 + [999]), "rng_state"),
    (lambda d: d["train"].update(step=2.0), "step must be a whole number"),
    (lambda d: d["train"].update(num_steps=10**12), "steps must be"),
]


@pytest.mark.parametrize("tamper, fragment", TAMPERED)
def test_a_tampered_checkpoint_is_refused_with_its_reason(good, tamper, fragment):
    data = json.loads(good)
    tamper(data)
    refused(json.dumps(data), fragment)


# Texts that are not a checkpoint's JSON at all.
MALFORMED = [
    ('{"format": "microgpt-checkpoint", not json', "not valid JSON"),
    ("{not json", "not a microgpt"),
    ("[1, 2]", "not a microgpt"),
    (nested(100_000), "nested deeper"),  # refused before the parser can recurse
    ("x" * (MAX_CHECKPOINT_BYTES + 1), "larger than 64 MB"),
]


@pytest.mark.parametrize("text, fragment", MALFORMED, ids=["json", "not-ours", "list", "nested", "huge"])
def test_a_malformed_checkpoint_is_refused_with_its_reason(text, fragment):
    refused(text, fragment)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_checkpoint_with_a_non_finite_number_is_refused(good, number):
    text = re.sub(r'("wte": \[\[)[^,\]]+', rf"\g<1>{number}", good, count=1)  # the first weight
    assert number in text
    refused(text, "finite")


def test_a_big_json_that_is_not_a_checkpoint_is_refused_from_its_first_bytes():
    # (issue 22: a 63 MB JSON ran the depth scan out of memory)
    for text in ['{"pad": "' + "x" * (63 * 2**20) + '"}', "[" + "1," * (31 * 2**20) + "1]"]:
        refused(text, "not a microgpt checkpoint")


def test_a_long_string_in_a_checkpoint_is_scanned_in_bounded_memory():
    text = '{"format": "microgpt-checkpoint", "pad": "' + "x" * (60 * 2**20) + '"}'
    tracemalloc.start()
    try:
        assert checkpoint._depth(text) == 1
        assert tracemalloc.get_traced_memory()[1] < 2**20  # (the regex's backtracking would take gigabytes)
    finally:
        tracemalloc.stop()


def test_an_unterminated_string_is_refused_without_scanning_it_again_and_again():
    # (it made the depth scan quadratic: 76 s for 160 kB)
    refused('{"format": "microgpt-checkpoint", "x": "' + '\\"' * 80_000, "not valid JSON")


def test_brackets_inside_strings_are_text_not_nesting():
    assert checkpoint._depth('{"vocab": ["[", "[", "{"], "w": [[1]]}') == 3


def test_a_file_is_read_only_up_to_the_limit(tmp_path):
    sparse = tmp_path / "big.json"
    with open(sparse, "wb") as f:
        f.truncate(MAX_CHECKPOINT_BYTES + 10)
    for path, fragment in [(sparse, "larger than 64 MB"), ("/dev/zero", "larger than 64 MB"),
                           (tmp_path / "nope.json", "cannot read checkpoint")]:
        with pytest.raises(MicrogptError, match=re.escape(fragment)):
            checkpoint.load(path)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"vocab": "José"}'.encode("latin-1"))
    with pytest.raises(MicrogptError, match="not UTF-8"):
        checkpoint.load(latin1)
