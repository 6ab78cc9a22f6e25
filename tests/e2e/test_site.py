"""The built site: what build.py puts in dist/, how it is served, and that the page loads Python."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .helpers import BUILT_READY

ROOT = Path(__file__).resolve().parents[2]


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return response.headers.get("Content-Type"), response.read()


@pytest.fixture(scope="module")
def manifest(site_url):
    return json.loads(fetch(site_url + "manifest.json")[1])


def test_manifest_urls_are_relative_and_served(site_url, manifest):
    urls = [manifest["pyodide"], manifest["core"], manifest["snapshot"], *manifest["datasets"].values()]
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and not parts.path.startswith("/"), url
    assert list(manifest["datasets"]) == ["names", "cities", "words", "dogs"]
    for name, url in manifest["datasets"].items():
        content_type, body = fetch(site_url + url)
        assert content_type == "text/plain; charset=utf-8"
        assert body == (ROOT / "data" / f"{name}.txt").read_bytes()


@pytest.mark.parametrize("key, path, expected", [
    ("pyodide", "pyodide.asm.wasm", "application/wasm"),  # anything else and loadPyodide hangs
    ("pyodide", "pyodide.mjs", "text/javascript"),
    ("pyodide", "pyodide.asm.mjs", "text/javascript"),
    ("pyodide", "pyodide-lock.json", "application/json"),
    ("pyodide", "python_stdlib.zip", "application/zip"),
    ("core", "", "application/zip"),
    (None, "worker.mjs", "text/javascript"),
    (None, "index.html", "text/html; charset=utf-8"),
])
def test_mime_types(site_url, manifest, key, path, expected):
    url = site_url + (manifest[key] if key else "") + path
    assert fetch(url)[0] == expected


def test_page_loads_python(page, site_url, sync_api):
    page.goto(site_url)
    page.wait_for_function("document.body.dataset.state === 'ready'")
    assert page.get_by_test_id("status").inner_text() == BUILT_READY


def test_page_works_under_a_sub_path(serve_directory, page, dist, sync_api, tmp_path):
    # A project page lives at https://user.github.io/project/: nothing may assume the root.
    (tmp_path / "some" / "sub").mkdir(parents=True)
    os.symlink(dist, tmp_path / "some" / "sub" / "path")
    page.goto(serve_directory(tmp_path) + "some/sub/path/")
    page.wait_for_function("document.body.dataset.state === 'ready'")
    assert page.get_by_test_id("status").inner_text() == BUILT_READY


def test_every_file_in_dist_is_world_readable(dist):
    for path in [dist, *dist.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path


def test_serve_on_a_busy_port_says_so_in_one_line_without_rebuilding(dist, site_url):
    busy_port = urlsplit(site_url).port
    built_at = (dist / "manifest.json").stat().st_mtime_ns
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(busy_port)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "--port 0" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert (dist / "manifest.json").stat().st_mtime_ns == built_at  # dist/ untouched
