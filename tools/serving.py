"""Serving dist/: the MIME types Pyodide needs, a quiet handler and a server on loopback.

build.py serves the site with it, and the benchmark, the screenshot maker and the tests
serve it (or a tampered copy) with the same pieces; none of them imports build.py.
"""
import functools
import http.server
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

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # Revalidate every time: while developing, a cached worker.mjs would hide an edit.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        pass


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
