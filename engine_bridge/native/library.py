"""Where the native parts of an installed AI Core live, and how to load them.

``pip install`` places the C ABI library and the headless host in the environment's
prefix, the way a C library is installed: ``<prefix>/lib/libaicore.so``,
``<prefix>/include/aicore/aicore.h`` and ``<prefix>/bin/aicore-host``. ``AICORE_LIBRARY``
and ``AICORE_HOST`` override the paths (for a development build tree).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NativeLibrary", "host_executable", "library_path", "load_library"]

_LIBRARY_NAME = "libaicore.so"
_HOST_NAME = "aicore-host"


def library_path() -> Path:
    """Path of ``libaicore.so`` (it may not exist; see :func:`load_library`)."""
    override = os.environ.get("AICORE_LIBRARY")
    if override:
        return Path(override)
    return Path(sys.prefix) / "lib" / _LIBRARY_NAME


def host_executable() -> Path:
    """Path of the ``aicore-host`` executable (it may not exist)."""
    override = os.environ.get("AICORE_HOST")
    if override:
        return Path(override)
    beside_python = Path(sys.prefix) / "bin" / _HOST_NAME
    if beside_python.exists():
        return beside_python
    found = shutil.which(_HOST_NAME)
    return Path(found) if found else beside_python


@dataclass(frozen=True)
class NativeLibrary:
    """The loaded C ABI library and the versions it reports."""

    path: Path
    version: str
    api_version: int
    python_version: str
    handle: ctypes.CDLL


def load_library(path: Path | None = None) -> NativeLibrary:
    """Load ``libaicore`` with ctypes and read its version queries.

    Raises ``OSError`` with the path in the message if it is missing or unloadable.
    """
    lib_path = path or library_path()
    if not lib_path.exists():
        raise OSError(f"{lib_path}: not found (is the project installed? run `make demo`)")
    lib = ctypes.CDLL(str(lib_path))
    lib.aicore_version.restype = ctypes.c_char_p
    lib.aicore_api_version.restype = ctypes.c_int
    lib.aicore_python_version.restype = ctypes.c_char_p
    lib.aicore_result_string.restype = ctypes.c_char_p
    lib.aicore_result_string.argtypes = [ctypes.c_int]
    return NativeLibrary(
        path=lib_path,
        version=lib.aicore_version().decode(),
        api_version=lib.aicore_api_version(),
        python_version=lib.aicore_python_version().decode(),
        handle=lib,
    )
