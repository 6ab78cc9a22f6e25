#!/usr/bin/env bash
# Set up and run every test: the Python package's unit tests on CPython, then the built page
# in headless Chromium. Extra arguments go to pytest (e.g. -m "not e2e" to skip the browser).
set -euo pipefail
cd "$(dirname "$0")"

# The tools live in .venv/, so nothing is installed into the system's Python.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# build.py fetches Pyodide with npm. The browser is Debian's Chromium where it can be had
# (Playwright cannot download browsers on every machine), else Playwright's own.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need_apt=()
command -v npm >/dev/null || need_apt+=(npm)
[ -x /usr/bin/chromium ] || ! command -v apt-get >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if [ ! -x /usr/bin/chromium ]; then
  .venv/bin/python -m playwright install chromium
fi

exec .venv/bin/python -m pytest "$@"
