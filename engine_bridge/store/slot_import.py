"""A save file that came from elsewhere (a cloud save pulled from the gateway) made a
slot: checked as a load checks a slot (header, full integrity check, migration of a copy,
every value decodes) *before* it becomes one, then renamed in atomically, the slot's
earlier save kept as its previous generation, as a save does.

Call it on the store's writer thread (``Store.run_write``), where every save runs, so that
a save of the same slot is never interleaved with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
from pathlib import Path

from engine_bridge.store.database_file import fsync_file, fsync_folder
from engine_bridge.store.errors import StoreError, fault_from_exception
from engine_bridge.store.paths import ProfilePaths
from engine_bridge.store.saves import SaveInfo, copy_checked, keep_previous
from engine_bridge.store.schema import version_of

__all__ = ["install_slot_bytes"]


def install_slot_bytes(
    paths: ProfilePaths, data: bytes, slot: str, *, named: str, operation: str
) -> SaveInfo:
    """Make ``data`` the save of ``slot`` if it is a sound save; the slot's save before it
    is kept as its previous generation. ``named`` says where the bytes came from, for
    errors (the file, or ``"cloud save <sha256>"``). Nothing changes if it fails.

    Raises:
        StoreError: ``bad_path`` (the slot name); ``corrupt`` or ``schema`` naming
            ``named`` (not a save a load would take); ``disk_full``, ``read_only``, ``io``.
    """
    target = paths.slot(slot)
    previous = paths.slot(slot, previous=True)
    scratch = _scratch(paths, slot, paths.slots, named, operation)
    try:
        _write(scratch, data, named, operation)
        saved_at, label, version = _checked(paths, scratch, named, operation)
        try:
            if target.exists():
                keep_previous(paths, target, previous)
            os.replace(scratch, target)
            fsync_folder(paths.slots)
        except OSError as error:
            raise StoreError(fault_from_exception(error, target, operation, field=slot)) from error
    finally:
        with contextlib.suppress(OSError):
            scratch.unlink()  # gone after the rename: only a failure leaves it
    return SaveInfo(slot, False, target, saved_at, label, version, None)


def _scratch(paths: ProfilePaths, stem: str, beside: Path, named: str, operation: str) -> Path:
    try:
        return paths.temporary(stem, beside=beside)
    except OSError as error:
        raise StoreError(fault_from_exception(error, beside, operation, field=named)) from error


def _write(scratch: Path, data: bytes, named: str, operation: str) -> None:
    try:
        scratch.write_bytes(data)
        fsync_file(scratch)
    except OSError as error:
        raise StoreError(fault_from_exception(error, scratch, operation, field=named)) from error


def _checked(
    paths: ProfilePaths, scratch: Path, named: str, operation: str
) -> tuple[float, str, int]:
    """The checks a load makes, on a copy of ``scratch``: (saved_at, label, version)."""
    try:
        copy_path = paths.temporary("checked", beside=paths.tmp)
    except OSError as error:
        raise StoreError(fault_from_exception(error, paths.tmp, operation)) from error
    try:
        try:
            conn = copy_checked(scratch, copy_path, operation)
        except StoreError as error:
            # The scratch file's name means nothing to anyone: the error names the source.
            raise StoreError(dataclasses.replace(error.fault, file=named)) from None
        try:
            # copy_checked made sure there is exactly one save_info row.
            saved_at, label = conn.execute(
                "SELECT saved_at, label FROM save_info WHERE id = 1"
            ).fetchone()
            version = version_of(conn)
        except sqlite3.Error as error:
            raise StoreError(fault_from_exception(error, Path(named), operation)) from error
        finally:
            conn.close()
    finally:
        with contextlib.suppress(OSError):
            copy_path.unlink()
    return float(saved_at), label or "", version
