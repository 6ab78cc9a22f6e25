"""Serving dist/: the MIME types Pyodide needs, a quiet handler and a server on loopback.

build.py serves the site with it, and the benchmark, the screenshot maker and the tests
serve it (or a tampered copy) with the same pieces; none of them imports build.py.
"""
import email.utils
import functools
import gzip
import http.server
import os
import threading

MIME_TYPES = {
    ".wasm": "application/wasm",  # anything else and loadPyodide hangs instead of failing
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".gz": "application/gzip",  # the snapshot: the worker unzips it itself
    ".webmanifest": "application/manifest+json",
    ".zip": "application/zip",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".map": "application/json",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types Pyodide needs, no request log, and no stale caching."""

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the browser went away mid-file (a closed tab, a test's end): no news

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # Revalidate every time: while developing, a cached worker.mjs would hide an edit.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        pass


class LoggingSent:
    """A handler mixin noting each file it sends in full, as its answer starts: `sent`, a list of
    (path, bytes) in order (give each server a subclass with a list of its own)."""
    sent = []

    def send_header(self, keyword, value):
        if keyword == "Content-Length":
            self.sent.append((self.path.split("?")[0], int(value)))
        super().send_header(keyword, value)


def before_the_service_worker(sent):
    """What a LoggingSent log holds before the page registered sw.js (it does at Ready): the
    page's and its worker's own downloads, not the offline copy's, whose first answers may start
    before a test or the benchmark sees Ready."""
    paths = [path for path, _ in sent]
    return sent[:paths.index("/sw.js")] if "/sw.js" in paths else list(sent)


class GzipHandler(Handler):
    """Handler, gzipping what a static host gzips (GitHub Pages and nginx do): text, scripts,
    JSON and WebAssembly, for a client that accepts it. Files that are compressed already
    (.gz, .zip, .whl, .png) go as they are. The benchmark's first visit on a slow link uses it."""

    COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".txt", ".wasm", ".svg", ".map")
    _cache = {}  # (path, mtime) → gzipped bytes: each file is compressed once per server

    def do_GET(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?")[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if not ("gzip" in self.headers.get("Accept-Encoding", "") and path.endswith(self.COMPRESSIBLE)
                and os.path.isfile(path)):
            return super().do_GET()
        modified = os.stat(path).st_mtime_ns
        if self.not_modified_since(modified // 10**9):
            self.send_response(304)
            self.end_headers()
            return
        key = (path, modified)
        if key not in self._cache:
            with open(path, "rb") as file:
                self._cache[key] = gzip.compress(file.read(), 6)
        body = self._cache[key]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(modified // 10**9))
        self.end_headers()
        self.wfile.write(body)

    def not_modified_since(self, seconds):
        """A conditional request whose copy is as new as the file (to the second, as HTTP dates are)."""
        try:
            since = email.utils.parsedate_to_datetime(self.headers["If-Modified-Since"]).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return since >= seconds


def serve(directory, port=0, host="127.0.0.1", handler=Handler):
    """A server for `directory`, bound but not yet serving: call serve_forever(), in a thread if need be.

    The real port is server.server_address[1] (port 0 picks a free one).
    """
    return http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(directory)))


def serve_in_background(directory, handler=Handler):
    """A server for `directory` on a free port of 127.0.0.1, serving in a daemon thread; and its URL (ending in /)."""
    server = serve(directory, handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url_of(server)


def url_of(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
