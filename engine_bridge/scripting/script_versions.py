"""Which version of a script file is loaded: its size, modification time and a digest of
the bytes that were compiled. ``aicore_scripts_reload`` reloads the files whose version on
disk differs, and the watcher's late notice of a write already loaded is told apart from a
new save (``Runtime._apply_reloads``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ScriptVersion", "read_script", "version_on_disk"]


@dataclass(frozen=True)
class ScriptVersion:
    """What a script file was when it was read: stat's size and nanosecond mtime, and the
    SHA-256 of its bytes (an edit of the same size within one mtime tick still differs)."""

    size: int
    mtime_ns: int
    digest: bytes


def read_script(path: Path) -> tuple[ScriptVersion, bytes]:
    """The file's version and its bytes. Stat comes first: a write between the two reads
    leaves a version older than the bytes, so the next comparison reloads (never the
    reverse, which would skip a save). Raises OSError as reading the file does."""
    stat = path.stat()
    source = path.read_bytes()
    return ScriptVersion(stat.st_size, stat.st_mtime_ns, hashlib.sha256(source).digest()), source


def version_on_disk(path: Path) -> ScriptVersion | None:
    """The file's version now, or None if it cannot be read (deleted, say)."""
    try:
        return read_script(path)[0]
    except OSError:
        return None
