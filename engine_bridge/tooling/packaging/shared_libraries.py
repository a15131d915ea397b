"""Every native file of the package finds its neighbours relative to itself.

For each ELF file, each library it needs is found the way the loader would: in its own
``$ORIGIN``-relative search folders, in the package's ``lib/``, or on the system. A system
library outside :data:`SYSTEM_BASE` (glibc and the C++ runtime, which must be the
player's own) is copied into ``lib/``; a file that needs something in ``lib/`` gets an
``$ORIGIN``-relative RPATH to it; absolute search folders (the build machine's Python
prefix) are removed. ``patchelf`` rewrites only copied third-party files: the project's own
targets carry the right RPATH from CMake, and the build fails if one does not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from engine_bridge.tooling.packaging.elf_dynamic import is_elf, read_dynamic
from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["SYSTEM_BASE", "bundle_and_relink", "native_files", "system_library_map"]

# The libraries every Linux system has and a game must take from it: the C library and its
# loader, and the C++ runtime the system's own programs share.
SYSTEM_BASE = frozenset(
    {
        "linux-vdso.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "libc.so.6",
        "libm.so.6",
        "libmvec.so.1",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
        "libanl.so.1",
        "libstdc++.so.6",
        "libgcc_s.so.1",
    }
)


def system_library_map() -> dict[str, Path]:
    """The loader's cache (``ldconfig -p``): library name -> path, the first (preferred) one."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        listing = subprocess.run(
            [ldconfig, "-p"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise PackageError("shared libraries", f"cannot read the loader's cache: {exc}") from exc
    found: dict[str, Path] = {}
    for line in listing.splitlines():
        name, arrow, path = line.strip().partition(" => ")
        if arrow and ("x86-64" in name or "AArch64" in name):
            found.setdefault(name.split(" ", 1)[0], Path(path))
    return found


def native_files(root: Path) -> list[Path]:
    """Every ELF file under ``root`` (symlinks not followed)."""
    return sorted(p for p in root.rglob("*") if is_elf(p))


def _origin_relative(target: Path, file: Path) -> str:
    return "$ORIGIN" if target == file.parent else "$ORIGIN/" + os.path.relpath(target, file.parent)


def _expand(entry: str, file: Path) -> Path:
    return Path(entry.replace("$ORIGIN", str(file.parent)).replace("${ORIGIN}", str(file.parent)))


def _set_runpath(file: Path, runpath: list[str]) -> None:
    command = (
        ["patchelf", "--set-rpath", ":".join(runpath), str(file)]
        if runpath
        else ["patchelf", "--remove-rpath", str(file)]
    )
    if shutil.which("patchelf") is None:
        raise PackageError("shared libraries", "patchelf is not installed (`make setup`)")
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise PackageError("shared libraries", f"{' '.join(command)}: {done.stderr.strip()}")


def _wanted_runpath(
    kept: list[str], to_lib: str, needs_lib: bool, needs_sibling: bool
) -> list[str]:
    wanted = list(kept)
    if needs_lib and to_lib not in wanted:
        wanted.append(to_lib)
    if needs_lib and needs_sibling and "$ORIGIN" not in wanted:
        wanted.insert(0, "$ORIGIN")
    return wanted


def bundle_and_relink(package: Path, lib: Path, ours: Iterable[Path]) -> dict[Path, Path]:
    """Copy the system libraries the package's files need into ``lib`` and give every
    third-party file ``$ORIGIN``-relative search folders; returns each library copied, with
    the system file it was copied from."""
    system = system_library_map()
    ours_set = {p.resolve() for p in ours}
    copied: dict[Path, Path] = {}
    pending = native_files(package)
    seen: set[Path] = set()
    while pending:
        file = pending.pop()
        if file in seen:
            continue
        seen.add(file)
        dynamic = read_dynamic(file)
        if dynamic is None:
            continue
        kept = [entry for entry in dynamic.runpath if entry.startswith(("$ORIGIN", "${ORIGIN}"))]
        needs_lib = False
        needs_sibling = False
        for name in dynamic.needed:
            if any((_expand(entry, file) / name).exists() for entry in kept):
                continue
            # A wheel's grafted libraries (scipy.libs/) need each other with no search path
            # of their own (found through their loader's inherited DT_RPATH): once a RUNPATH
            # is written that inheritance stops, so the folder itself goes in it.
            if file.parent != lib and (file.parent / name).exists():
                needs_sibling = True
                continue
            if (lib / name).exists():
                needs_lib = True
                continue
            if name in SYSTEM_BASE:
                continue
            source = system.get(name)
            if source is None:
                raise PackageError(
                    "shared libraries", f"{file.relative_to(package)} needs {name}, found nowhere"
                )
            shutil.copy2(source.resolve(), lib / name)
            copied[lib / name] = source
            pending.append(lib / name)
            needs_lib = True
        wanted = _wanted_runpath(kept, _origin_relative(lib, file), needs_lib, needs_sibling)
        if wanted != list(dynamic.runpath):
            if file.resolve() in ours_set:
                raise PackageError(
                    "shared libraries",
                    f"{file.relative_to(package)} (built here) searches {list(dynamic.runpath)}, "
                    f"the package needs {wanted}: its CMake INSTALL_RPATH is wrong",
                )
            _set_runpath(file, wanted)
    return copied
