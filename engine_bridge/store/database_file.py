"""Checks and durable writes for database files: is this file a sound SQLite database,
and make a file's contents and its name survive a crash (``fsync`` of the file, then of
its folder)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from engine_bridge.store.errors import FaultKind, StoreError, StoreFault, fault_from_exception

__all__ = ["check_header", "check_integrity", "fsync_file", "fsync_folder"]

_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100


def _corrupt(path: Path, operation: str, reason: str) -> StoreError:
    return StoreError(StoreFault(FaultKind.CORRUPT, str(path), operation, reason))


def check_header(path: Path, operation: str) -> None:
    """``path`` starts with an SQLite header whose page count fits the file's size.

    SQLite opens an empty or truncated file without complaint (an empty file *is* an
    empty database to it), so a save cut short would load as nothing at all: this check
    refuses it first.

    Raises:
        StoreError: ``corrupt`` naming the file; ``io``/``read_only`` if it cannot be read.
    """
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
            size = os.fstat(file.fileno()).st_size
    except OSError as error:
        raise StoreError(fault_from_exception(error, path, operation)) from error
    if len(header) < _HEADER_SIZE:
        raise _corrupt(path, operation, f"the file is {size} bytes: too short for a database")
    if not header.startswith(_MAGIC):
        raise _corrupt(path, operation, "the file does not start with an SQLite header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # A database in WAL mode may have pages only in its -wal file; the header's count is
    # then the main file's, still never more than it holds.
    if pages and page_size * pages > size:
        raise _corrupt(
            path,
            operation,
            f"the file is truncated: {size} bytes where its header counts {pages} pages "
            f"of {page_size}",
        )


def check_integrity(conn: sqlite3.Connection, path: Path, operation: str, *, quick: bool) -> None:
    """``PRAGMA integrity_check`` (or ``quick_check``) passes on ``conn``'s database.

    Raises:
        StoreError: ``corrupt`` naming ``path`` and SQLite's first complaint.
    """
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.Error as error:
        raise StoreError(fault_from_exception(error, path, operation)) from error
    if rows != [("ok",)]:
        first = rows[0][0] if rows else "no answer"
        raise _corrupt(path, operation, f"{pragma} failed: {first}")


def fsync_file(path: Path) -> None:
    """Flush ``path``'s contents to the device."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(path: Path) -> None:
    """Flush ``path``'s entries (a rename in it) to the device."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
