"""microgpt.lazy_stdlib: the page's cut-down standard library fetches the whole one the first time
something it left out is imported, once, and never for a name the whole one lacks."""
import sys
import zipfile

import pytest

from microgpt import lazy_stdlib

# A tiny "whole standard library": a module, a package with two modules, and a package the
# cut-down zip has only in part.
WHOLE = {
    "lazy_std_mod.py": "VALUE = 'whole'\n",
    "lazy_std_pkg/__init__.py": "",
    "lazy_std_pkg/inner.py": "from . import sibling\nVALUE = sibling.VALUE + 1\n",
    "lazy_std_pkg/sibling.py": "VALUE = 41\n",
    "lazy_std_part/__init__.py": "CORE = True\n",
    "lazy_std_part/left_out.py": "VALUE = 'left out'\n",
}
CORE = {"lazy_std_part/__init__.py": "CORE = True\n"}
REST = ["lazy_std_mod", "lazy_std_pkg", "lazy_std_pkg.inner", "lazy_std_pkg.sibling", "lazy_std_part.left_out"]


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def stdlib(tmp_path):
    """The cut-down zip on sys.path, the finder installed; (finder, downloads made). Undone after."""
    core = write_zip(tmp_path / "core.zip", {**CORE, lazy_stdlib.REST_LIST: "\n".join(REST) + "\n"})
    whole_bytes = write_zip(tmp_path / "whole.zip", WHOLE).read_bytes()
    downloads = []

    def download():
        downloads.append(1)
        return whole_bytes

    sys.path.append(str(core))
    finder = lazy_stdlib.install(download, str(core))
    finder.whole = str(tmp_path / "fetched.zip")
    yield finder, downloads
    sys.meta_path.remove(finder)
    sys.path.remove(str(core))
    for name in [name for name in sys.modules if name.startswith("lazy_std_")]:
        del sys.modules[name]
    sys.path_importer_cache.clear()


def test_a_left_out_module_is_fetched_once_then_imported_like_any_other(stdlib):
    finder, downloads = stdlib
    import lazy_std_mod
    import lazy_std_pkg.inner

    assert lazy_std_mod.VALUE == "whole" and lazy_std_pkg.inner.VALUE == 42  # (a relative import within it)
    assert lazy_std_mod.__file__.startswith(finder.whole)
    assert downloads == [1]


def test_a_package_the_cut_down_zip_has_gets_its_left_out_modules_from_the_whole(stdlib):
    finder, downloads = stdlib
    import lazy_std_part
    assert lazy_std_part.CORE and downloads == []  # (in the cut-down zip: nothing fetched)
    from lazy_std_part import left_out

    assert left_out.VALUE == "left out" and downloads == [1]


def test_a_module_that_exists_nowhere_fails_at_once_without_a_download(stdlib):
    _, downloads = stdlib
    with pytest.raises(ModuleNotFoundError):
        import lazy_std_nowhere  # noqa: F401
    with pytest.raises(ModuleNotFoundError):
        import lazy_std_part.nowhere  # noqa: F401
    assert downloads == []


def test_a_failed_download_is_an_import_error_and_the_next_import_tries_again(stdlib):
    finder, downloads = stdlib
    real = finder.download

    def offline():
        raise OSError("the network is down")
    finder.download = offline
    with pytest.raises(ImportError, match="lazy_std_mod is in Python's standard library, which could not be "
                                          "downloaded \\(the network is down\\)"):
        import lazy_std_mod  # noqa: F401
    finder.download = real
    import lazy_std_mod

    assert lazy_std_mod.VALUE == "whole" and downloads == [1]
