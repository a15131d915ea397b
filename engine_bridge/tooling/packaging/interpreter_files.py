"""The CPython files a package ships, taken from the interpreter running this build (the
one libaicore was built against): its shared library, and its standard library trimmed of
what a game never runs.

The ``__pycache__`` the build machine compiled is kept (``cpython-3X`` files only, their
modification times with them, so they stay valid: a game whose folder is read-only then
starts without compiling the standard library); ``-O`` variants are dropped.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = [
    "DROPPED_EXTENSIONS",
    "DROPPED_STDLIB",
    "copy_standard_library",
    "library_folder_name",
    "python_shared_library",
]

# Top-level entries of the standard library a game never runs: the test suite, the IDE and
# Tk, installers and build tools (pip's bootstrap, distutils, venv, 2to3), the docs' topics,
# the terminal UI, the static library and Makefile of `config-*` (for building extensions),
# and the base interpreter's own site-packages (the package has its own).
DROPPED_STDLIB = frozenset(
    {
        "test",
        "idlelib",
        "tkinter",
        "turtledemo",
        "turtle.py",
        "ensurepip",
        "distutils",
        "lib2to3",
        "pydoc_data",
        "venv",
        "curses",
        "site-packages",
    }
)
# The static library, Makefile and object files for building extensions against this
# interpreter (`config-3.11-x86_64-linux-gnu`).
_CONFIG_FOLDER_PREFIX = "config-"
# Test folders inside standard packages (ctypes/test, unittest/test, ...).
_NESTED_TEST_FOLDERS = frozenset({"test", "tests", "idle_test"})
# Extension modules of lib-dynload dropped with them: the C test modules, Tk, readline and
# curses (an interactive terminal), the Unix databases and NIS nothing of ours opens (they
# would drag libgdbm, libnsl and libtirpc into the package), and the deprecated `crypt`
# (it would ship libxcrypt, LGPL, for Unix password hashes no game computes).
DROPPED_EXTENSIONS = frozenset(
    {
        "_tkinter",
        "_testcapi",
        "_testbuffer",
        "_testclinic",
        "_testimportmultiple",
        "_testinternalcapi",
        "_testmultiphase",
        "_ctypes_test",
        "_xxtestfuzz",
        "xxlimited",
        "xxlimited_35",
        "readline",
        "_curses",
        "_curses_panel",
        "_dbm",
        "_gdbm",
        "nis",
        "_crypt",
    }
)


def library_folder_name() -> str:
    """``pythonX.Y``: the standard library's folder under ``lib/`` on POSIX."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def python_shared_library() -> Path:
    """The interpreter's shared library (``libpython3.X.so.1.0``); a Python built without
    one cannot be embedded by a package and is refused."""
    folder = sysconfig.get_config_var("LIBDIR")
    name = sysconfig.get_config_var("INSTSONAME")
    if not folder or not name or not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        raise PackageError(
            "python",
            f"{sys.executable} was built without a shared libpython (--enable-shared): "
            "libaicore embeds it, so the package needs one",
        )
    path = Path(folder) / name
    if not path.is_file():
        raise PackageError("python", f"{path} (the interpreter's shared library) is missing")
    return path


def _extension_name(file_name: str) -> str:
    return file_name.split(".", 1)[0]


def _dropped(root: Path, here: Path, name: str, version_tag: str) -> bool:
    if here == root:
        # config-3.X-<platform>: named per build, so matched by its prefix.
        return name in DROPPED_STDLIB or name.startswith(_CONFIG_FOLDER_PREFIX)
    if name in _NESTED_TEST_FOLDERS and (here / name).is_dir():
        return True
    if here.name == "lib-dynload":
        return _extension_name(name) in DROPPED_EXTENSIONS
    if here.name == "__pycache__":
        return f".{version_tag}." not in name or ".opt-" in name
    return False


def _stdlib_filter(root: Path) -> Callable[[str, list[str]], set[str]]:
    version_tag = sys.implementation.cache_tag  # "cpython-311"

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        return {name for name in names if _dropped(root, here, name, version_tag)}

    return ignore


def copy_standard_library(destination: Path) -> Path:
    """Copy the trimmed standard library (with ``lib-dynload``) to ``destination`` (the
    package's ``python/lib/pythonX.Y``); returns the source it came from."""
    source = Path(sysconfig.get_paths()["stdlib"])
    if not (source / "os.py").is_file():
        raise PackageError("python", f"{source} holds no os.py: not a standard library")
    shutil.copytree(source, destination, ignore=_stdlib_filter(source), symlinks=False)
    dynload = Path(sysconfig.get_config_var("DESTSHARED") or source / "lib-dynload")
    if dynload.resolve() != (source / "lib-dynload").resolve():
        # A layout with lib-dynload elsewhere (some distributions) still ships it in place.
        shutil.copytree(
            dynload,
            destination / "lib-dynload",
            ignore=_stdlib_filter(source),
            dirs_exist_ok=True,
        )
    return source
