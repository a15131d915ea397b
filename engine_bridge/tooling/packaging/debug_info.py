"""The package ships no debug information: the ELF files that carry ``.debug_*`` sections
(the build machine's libpython alone is 22 MB of its 23) are stripped of them with
binutils' ``strip --strip-debug``, which keeps the symbol table a crash report needs.

Stripped before any RPATH is rewritten: ``strip`` can damage a file ``patchelf`` has
moved sections in, so the package's own order is copy, strip, relink.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from engine_bridge.tooling.packaging.elf_dynamic import section_names
from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["has_debug_sections", "strip_debug_information"]


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
