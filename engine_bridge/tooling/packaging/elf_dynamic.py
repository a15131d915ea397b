"""What a Linux shared library or executable asks of the loader: its ``DT_NEEDED`` names and
its ``DT_RUNPATH``/``DT_RPATH`` search folders, read straight from the ELF file's dynamic
section (no process per file: a package holds hundreds of them); and the names of its
sections (whether it carries debug information).

Only 64-bit little-endian ELF (x86-64, AArch64) is read; anything else is reported as not
ELF by :func:`read_dynamic` returning ``None``.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DynamicSection", "is_elf", "read_dynamic", "section_names"]

_MAGIC = b"\x7fELF"
_CLASS_64 = 2
_LITTLE_ENDIAN = 1
_SECTION_HEADER_SIZE = 64
_PT_LOAD = 1
_PT_DYNAMIC = 2
_DT_NULL = 0
_DT_NEEDED = 1
_DT_STRTAB = 5
_DT_RPATH = 15
_DT_RUNPATH = 29


@dataclass(frozen=True)
class DynamicSection:
    """The loader's view of one file: the libraries it needs and where it says to look."""

    needed: tuple[str, ...]
    runpath: tuple[str, ...]  # DT_RUNPATH, else DT_RPATH, split on ':'


def is_elf(path: Path) -> bool:
    """Whether ``path`` is a regular file starting with the ELF magic."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == _MAGIC


def _string(data: mmap.mmap, offset: int) -> str:
    end = data.find(b"\0", offset)
    return data[offset:end].decode("utf-8", "surrogateescape")


def read_dynamic(path: Path) -> DynamicSection | None:
    """The dynamic section of ``path``; ``None`` if it is not a 64-bit little-endian ELF
    file with one (a static executable, an object file, another format)."""
    if path.stat().st_size < 64:
        return None
    # Mapped, not read: a shared library can be a hundred megabytes, its headers a few KiB.
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _parse(data)


def section_names(path: Path) -> tuple[str, ...]:
    """The names of the file's sections; () when it is not a 64-bit little-endian ELF file
    or has no section headers."""
    if path.stat().st_size < 64:
        return ()
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _section_names(data)


def _is_elf64_le(data: mmap.mmap) -> bool:
    return (
        len(data) >= 64
        and data[:4] == _MAGIC
        and data[4] == _CLASS_64
        and data[5] == _LITTLE_ENDIAN
    )


def _section_names(data: mmap.mmap) -> tuple[str, ...]:
    if not _is_elf64_le(data):
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
        if name < strings_size:
            end = data.find(b"\0", strings + name, strings + strings_size)
            names.append(data[strings + name : end].decode("ascii", "replace"))
    return tuple(names)


def _parse(data: mmap.mmap) -> DynamicSection | None:
    if not _is_elf64_le(data):
        return None
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    dynamic: tuple[int, int] | None = None
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return None
    entries: list[tuple[int, int]] = []
    for position in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from("<qQ", data, position)
        if tag == _DT_NULL:
            break
        entries.append((tag, value))
    strtab_address = next((value for tag, value in entries if tag == _DT_STRTAB), None)
    if strtab_address is None:
        return None
    # DT_STRTAB is an address once loaded: the segment holding it gives its file offset.
    strtab = next(
        (
            offset + strtab_address - vaddr
            for vaddr, offset, size in loads
            if vaddr <= strtab_address < vaddr + size
        ),
        None,
    )
    if strtab is None:
        return None
    needed = tuple(_string(data, strtab + value) for tag, value in entries if tag == _DT_NEEDED)
    runpaths = [_string(data, strtab + value) for tag, value in entries if tag == _DT_RUNPATH]
    if not runpaths:
        runpaths = [_string(data, strtab + value) for tag, value in entries if tag == _DT_RPATH]
    runpath = tuple(part for text in runpaths for part in text.split(":") if part)
    return DynamicSection(needed=needed, runpath=runpath)
