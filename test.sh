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

# build.py fetches Pyodide with npm. The browsers are Debian's where they can be had (Playwright
# cannot download browsers on every machine): Chromium (else Playwright's own), Firefox ESR
# (driven by npm's puppeteer-core) and WebKitGTK's WebDriver with its MiniBrowser, on Xvfb.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need_apt=()
command -v npm >/dev/null || need_apt+=(npm)
if command -v apt-get >/dev/null; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/bin/firefox-esr ] || need_apt+=(firefox-esr)
  [ -x /usr/bin/WebKitWebDriver ] || need_apt+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || need_apt+=(xvfb)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if [ ! -x /usr/bin/chromium ]; then
  .venv/bin/python -m playwright install chromium
fi
# puppeteer-core, at the versions and hashes of package-lock.json (it downloads no browser);
# installed again whenever the lock file changes.
if ! cmp -s package-lock.json node_modules/.installed-lock.json; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi

exec .venv/bin/python -m pytest "$@"
