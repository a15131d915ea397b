"""The package ships no debug information: the ELF files that carry ``.debug_*`` sections
(the build machine's libpython alone is 22 MB of its 23) are stripped of them with
binutils' ``strip --strip-debug``, which keeps the symbol table a crash report needs.

Stripped before any RPATH is rewritten: ``strip`` can damage a file ``patchelf`` has
moved sections in, so the package's own order is copy, strip, relink.
"""

from __future__ import annotations

import mmap
import shutil
import struct
import subprocess
from collections.abc import Iterable
from pathlib import Path

from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["has_debug_sections", "section_names", "strip_debug_information"]

_MAGIC = b"\x7fELF"
_CLASS_64 = 2
_LITTLE_ENDIAN = 1
_SECTION_HEADER_SIZE = 64


def section_names(path: Path) -> tuple[str, ...]:
    """The names of a 64-bit little-endian ELF file's sections; () for anything else."""
    if path.stat().st_size < 64:
        return ()
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:4] != _MAGIC or data[4] != _CLASS_64 or data[5] != _LITTLE_ENDIAN:
            return ()
        (table,) = struct.unpack_from("<Q", data, 0x28)
        entry_size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
        if table == 0 or entry_size != _SECTION_HEADER_SIZE or names_index >= count:
            return ()
        if table + count * entry_size > len(data):
            return ()

        def header(index: int) -> tuple[int, int, int]:
            base = table + index * entry_size
            (name,) = struct.unpack_from("<I", data, base)
            offset, size = struct.unpack_from("<QQ", data, base + 0x18)
            return name, offset, size

        _, strings, strings_size = header(names_index)
        if strings + strings_size > len(data):
            return ()
        names = []
        for index in range(count):
            name = header(index)[0]
            if name >= strings_size:
                continue
            end = data.find(b"\0", strings + name, strings + strings_size)
            names.append(data[strings + name : end].decode("ascii", "replace"))
        return tuple(names)


def has_debug_sections(path: Path) -> bool:
    """Whether the ELF file carries DWARF debug information (``.debug_*`` sections)."""
    return any(name.startswith(".debug_") for name in section_names(path))


def strip_debug_information(files: Iterable[Path]) -> list[Path]:
    """Strip the debug sections of those ``files`` that carry them; returns those files.
    Raises :class:`PackageError` when ``strip`` is missing or fails."""
    carrying = [f for f in files if has_debug_sections(f)]
    if not carrying:
        return []
    if shutil.which("strip") is None:
        raise PackageError("debug information", "binutils' strip is not installed (`make setup`)")
    done = subprocess.run(
        ["strip", "--strip-debug", *map(str, carrying)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise PackageError("debug information", f"strip --strip-debug: {done.stderr.strip()}")
    return carrying
