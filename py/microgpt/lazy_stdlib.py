"""The rest of the standard library, fetched the first time something imports it (the page only).

The page starts Python with a cut-down standard library (tools/make_core.mjs): the modules
Pyodide's start and this package import, compiled, ~1 MB where Pyodide's whole zip is 2.5 MB of
source (this package is in the same zip). Anything else (a lab edit may import `fractions` or
`email`) comes from the whole zip: the first import of a module it has and the cut-down one
lacks downloads it, once, and from then on Python searches it like any other zip on its path.

The download is synchronous, because an import is: the worker passes a function that blocks
(a synchronous XMLHttpRequest, which a worker may make) and returns the zip's bytes.
"""
import importlib.machinery
import sys
import zipimport

REST_LIST = "stdlib-rest.txt"  # in the cut-down zip: every module it left out, one dotted name a line
WHOLE = "/lib/python-stdlib-whole.zip"  # where the whole zip is written when it comes


class RestOfStdlib:
    """A meta path finder for the modules the cut-down standard library left out.

    download() returns the whole zip's bytes (or an object with .to_bytes(): a JavaScript
    Uint8Array); rest is the set of module names to fetch it for. Any other name is not ours:
    an import of a module that exists nowhere fails at once, with no download.
    """

    def __init__(self, download, rest, whole=WHOLE):
        self.download = download
        self.rest = frozenset(rest)
        self.whole = whole
        self.fetched = False

    def find_spec(self, name, path=None, target=None):
        if name not in self.rest:
            return None
        if not self.fetched:
            try:
                data = self.download()
            except Exception as error:  # (offline, say: the import fails, and the next one tries again)
                raise ImportError(f"{name} is in Python's standard library, which could not be downloaded "
                                  f"({error})", name=name) from None
            with open(self.whole, "wb") as file:
                file.write(data.to_bytes() if hasattr(data, "to_bytes") else data)
            self.fetched = True
        parent, _, _ = name.rpartition(".")
        if not parent:
            return importlib.machinery.PathFinder.find_spec(name, [self.whole])
        # A package the cut-down zip has (encodings) gets its left-out modules (encodings.latin_1)
        # from the same folder of the whole zip, and its later imports search there too.
        package = sys.modules[parent]
        folder = f"{self.whole}/{parent.replace('.', '/')}"
        if folder not in package.__path__:
            package.__path__.append(folder)
        return importlib.machinery.PathFinder.find_spec(name, [folder])


def install(download, stdlib=None):
    """Add the finder for what the cut-down zip at path stdlib (by default the zip on sys.path)
    left out, last on sys.meta_path."""
    stdlib = stdlib or next(entry for entry in sys.path if entry.endswith(".zip"))
    rest = zipimport.zipimporter(stdlib).get_data(REST_LIST).decode().split()
    finder = RestOfStdlib(download, rest)
    sys.meta_path.append(finder)
    return finder
