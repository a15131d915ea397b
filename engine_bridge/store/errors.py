"""What goes wrong in the store, as values: :class:`StoreFault` (file, operation, field,
reason, and a :class:`FaultKind` to branch on) and :class:`StoreError`, the exception that
carries one. Nothing here is meant to be parsed: callers read the fields.

SQLite's and the OS's errors are turned into faults by their codes (``sqlite_errorname``,
``errno``), never by their message text.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "FaultKind",
    "NotPlainDataError",
    "StoreError",
    "StoreFault",
    "fault_from_exception",
]


class FaultKind(StrEnum):
    """What kind of trouble a fault is: what a game (or a test) branches on."""

    CORRUPT = "corrupt"
    """The file is not a sound SQLite database (truncated, overwritten, damaged)."""
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    BAD_PATH = "bad_path"
    """A profile or slot name that would leave the save root, or is not allowed."""
    IN_USE = "in_use"
    """Another store (this process or another) has the profile open."""
    NO_SUCH_SLOT = "no_such_slot"
    SCHEMA = "schema"
    """A database written by a newer store, or one that is not a save at all."""
    NOT_PLAIN_DATA = "not_plain_data"
    """A remembered value the store cannot encode (it is kept in memory, not on disk)."""
    REJECTED = "rejected"
    """SQLite refused a batch for a reason a retry cannot fix (a bug): it is dropped,
    and this fault says so."""
    IO = "io"
    """Any other input/output failure."""
    CLOSED = "closed"


# SQLite's primary error names (``sqlite_errorname`` gives extended ones such as
# SQLITE_READONLY_DBMOVED; their prefix is the primary one) and what they mean here.
_SQLITE_KINDS: dict[str, FaultKind] = {
    "SQLITE_FULL": FaultKind.DISK_FULL,
    "SQLITE_READONLY": FaultKind.READ_ONLY,
    "SQLITE_CORRUPT": FaultKind.CORRUPT,
    "SQLITE_NOTADB": FaultKind.CORRUPT,
    "SQLITE_IOERR": FaultKind.IO,
    "SQLITE_CANTOPEN": FaultKind.IO,
    "SQLITE_BUSY": FaultKind.IN_USE,
    "SQLITE_LOCKED": FaultKind.IN_USE,
    "SQLITE_PERM": FaultKind.READ_ONLY,
}

_ERRNO_KINDS: dict[int, FaultKind] = {
    errno.ENOSPC: FaultKind.DISK_FULL,
    errno.EDQUOT: FaultKind.DISK_FULL,
    errno.EROFS: FaultKind.READ_ONLY,
    errno.EACCES: FaultKind.READ_ONLY,
    errno.EPERM: FaultKind.READ_ONLY,
}

# Faults a later retry may clear (space freed, the folder made writable again): the
# writer keeps the batch and tries again. Anything else is a bug in what was written.
TRANSIENT_KINDS = frozenset(
    {FaultKind.DISK_FULL, FaultKind.READ_ONLY, FaultKind.IO, FaultKind.IN_USE}
)


@dataclass(frozen=True, slots=True)
class StoreFault:
    """One thing that went wrong, with where and why."""

    kind: FaultKind
    file: str
    """The file concerned (a database, a slot, a folder)."""
    operation: str
    """What the store was doing: ``open``, ``commit``, ``save``, ``load``, ``remember``..."""
    reason: str
    """Why, in words for a person."""
    field: str | None = None
    """The key, slot or name at fault, when there is one."""
    code: str | None = None
    """SQLite's error name (``SQLITE_FULL``) or the errno name (``ENOSPC``), if any."""

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.file}: {self.operation}{where}: {self.reason} [{self.kind}]"


class StoreError(Exception):
    """Raised by store calls that cannot do what was asked. ``fault`` says what and
    where; ``offered`` lists saves that are sound and could be loaded instead (filled
    when a database or a slot is damaged)."""

    def __init__(self, fault: StoreFault, offered: tuple[object, ...] = ()) -> None:
        super().__init__(str(fault))
        self.fault = fault
        self.offered = offered

    @property
    def kind(self) -> FaultKind:
        """The fault's kind (a shortcut for ``error.fault.kind``)."""
        return self.fault.kind


class NotPlainDataError(TypeError):
    """``remember`` was given a value the store cannot keep: only plain data (bool, int,
    float, str, None, and tuples, lists and dicts of them) persists. Raised at
    the script's own line, naming the key and, inside containers, where the bad item is."""

    def __init__(self, slot: int, key: str, where: str, type_name: str) -> None:
        self.slot = slot
        self.key = key
        self.where = where
        self.type_name = type_name
        inside = f" at {where}" if where else ""
        super().__init__(
            f"remember({key!r}): {type_name}{inside} is not plain data "
            "(bool, int, float, str, None, or tuples, lists and dicts of them)"
        )


@dataclass(frozen=True, slots=True)
class _Codes:
    kind: FaultKind
    code: str | None = None


def _codes(error: BaseException) -> _Codes:
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", None)
        if isinstance(name, str):
            for primary, kind in _SQLITE_KINDS.items():
                if name == primary or name.startswith(primary + "_"):
                    return _Codes(kind, name)
            return _Codes(FaultKind.REJECTED, name)
        return _Codes(FaultKind.IO)
    if isinstance(error, OSError) and error.errno is not None:
        kind = _ERRNO_KINDS.get(error.errno, FaultKind.IO)
        return _Codes(kind, errno.errorcode.get(error.errno))
    return _Codes(FaultKind.IO)


def fault_from_exception(
    error: BaseException, file: Path | str, operation: str, *, field: str | None = None
) -> StoreFault:
    """The fault an SQLite or OS error means, classified by its code."""
    codes = _codes(error)
    reason = {
        FaultKind.DISK_FULL: "the disk is full",
        FaultKind.READ_ONLY: "the folder or file is read-only",
        FaultKind.CORRUPT: "the file is not a sound SQLite database",
        FaultKind.IN_USE: "the database is locked by another connection",
    }.get(codes.kind, "input/output failed")
    detail = str(error).strip()
    return StoreFault(
        kind=codes.kind,
        file=str(file),
        operation=operation,
        reason=f"{reason} ({detail})" if detail else reason,
        field=field,
        code=codes.code,
    )
