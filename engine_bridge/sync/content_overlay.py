"""The installed content overlay on the player's disk: which version is current, and the
content root the runtime layers over its own.

Layout of an overlay folder (``<save_dir>/content-overlay/`` in the game)::

    current            "v<N>\\n": the installed version (replaced atomically, never edited)
    v<N>/              a content root: story/, dialogue/, lore/, voice_lines/, models/
    v<N>/.bundle/      the manifest and signature it was installed from
    v<M>/              the version before (kept: a running game may still read its files)
    .incoming-*/       a bundle being written (left by a crash: removed by the next install)
    .lock              held (flock) while an install runs

The ``current`` pointer is the truth: a ``v<N>`` folder it does not name is not installed.
Reading it needs the standard library alone, so the runtime can find its overlay without
importing the sync extra's packages.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

__all__ = [
    "BUNDLE_META",
    "POINTER",
    "VERSION_FOLDER",
    "installed_version",
    "overlay_roots",
    "sync_folder",
    "version_folder",
    "write_pointer",
]

log = logging.getLogger("aicore.content_push")

POINTER = "current"
BUNDLE_META = ".bundle"
"""Inside a version folder: ``manifest`` and ``signature``, as the bundle held them."""
VERSION_FOLDER = re.compile(r"v([1-9][0-9]{0,18})")
"""The name of a version folder: ``v`` and the version."""
_POINTER_TEXT = re.compile(r"v([1-9][0-9]{0,18})\n?")


def version_folder(overlay_root: Path, version: int) -> Path:
    """Where version ``version`` is (or would be) installed."""
    return overlay_root / f"v{version}"


def _pointer(overlay_root: Path) -> int | None:
    """The version ``current`` names; 0 when there is no pointer; None (logged) when it
    cannot be read or is damaged."""
    try:
        text = (overlay_root / POINTER).read_text(encoding="ascii")
    except FileNotFoundError:
        return 0
    except (OSError, UnicodeDecodeError) as error:
        log.error("%s: the content overlay's pointer cannot be read: %s", overlay_root, error)
        return None
    match = _POINTER_TEXT.fullmatch(text)
    if match is None:
        log.error("%s: the content overlay's pointer is damaged: %r", overlay_root, text[:40])
        return None
    return int(match.group(1))


def installed_version(overlay_root: Path) -> int:
    """The installed version (0: none). With a damaged pointer the highest version folder
    present counts, so a damaged pointer never lets an older bundle in."""
    version = _pointer(overlay_root)
    if version is not None:
        return version
    try:
        names = [entry.name for entry in os.scandir(overlay_root) if entry.is_dir()]
    except OSError:
        return 0
    found = [int(m.group(1)) for n in names if (m := VERSION_FOLDER.fullmatch(n))]
    return max(found, default=0)


def overlay_roots(overlay_root: str | Path) -> list[Path]:
    """The installed overlay's content root, to append to the runtime's content roots: a
    list of one, or empty when nothing is installed (or the pointer is damaged, or names
    a folder that is not a whole install: logged)."""
    root = Path(overlay_root)
    version = _pointer(root)
    if not version:
        return []
    folder = version_folder(root, version)
    if not (folder / BUNDLE_META / "manifest").is_file():
        log.error("%s: the content overlay is left out: %s is not installed", root, folder.name)
        return []
    return [folder]


def write_pointer(overlay_root: Path, version: int) -> None:
    """Make ``version`` the current one: a new pointer file, synced, renamed over the old
    one, the folder synced — a crash leaves the old pointer or the new, never a torn one.

    Raises:
        OSError: the pointer could not be written (the old one is still in place).
    """
    temporary = overlay_root / f".{POINTER}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, f"v{version}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, overlay_root / POINTER)
    sync_folder(overlay_root)


def sync_folder(folder: Path) -> None:
    """Make a folder's entries (a file created, renamed, removed) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
