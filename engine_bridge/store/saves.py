"""Save slots: ``store.saves`` saves, loads, lists and deletes them.

A save is a self-contained copy of the live database, made on the writer thread (so it
holds every batch handed over before it): SQLite's online backup into a scratch file in
``tmp/`` opened with ``synchronous=FULL``, switched out of WAL (a slot is one file), its
outbox emptied (events are owed to the cloud, not to a save) and its ``save_info`` row
written; then the file is fsynced and renamed over ``slots/<slot>.db`` and the folder
fsynced. A rename is atomic, so a slot is the old save or the new one, whole, whatever
happens: never half of one. The save it replaces is kept as ``<slot>.previous.db`` (a
hard link made before the rename), so a save later found damaged still has an elder.

A load copies the slot to ``tmp/``, checks it (header, ``PRAGMA integrity_check``),
migrates the copy if it is from an older schema (the slot file itself is never written),
and replaces the live play-through (:data:`~engine_bridge.store.schema.SAVED_TABLES`) in
one transaction. A damaged slot raises a ``corrupt`` :class:`StoreError` naming its file,
with the sound saves offered in ``error.offered`` (its own previous generation first);
nothing is overwritten or deleted.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from engine_bridge.store.database_file import (
    check_header,
    check_integrity,
    fsync_file,
    fsync_folder,
)
from engine_bridge.store.encoding import decode
from engine_bridge.store.errors import FaultKind, StoreError, StoreFault, fault_from_exception
from engine_bridge.store.npc_memory import decode_slot_memory
from engine_bridge.store.paths import ProfilePaths
from engine_bridge.store.schema import (
    SAVED_TABLES,
    STORE_TABLES,
    BadValueError,
    migrate,
    version_of,
)
from engine_bridge.store.story_state import Snapshot, read_snapshot
from engine_bridge.store.sync_stream import STREAM_KEYS
from engine_bridge.store.writer import Writer

__all__ = [
    "Autosave",
    "Loaded",
    "SaveInfo",
    "SaveSlots",
    "copy_checked",
    "find_saves",
    "keep_previous",
]

MemoryRow = tuple[int, bytes]


@dataclass(frozen=True, slots=True)
class SaveInfo:
    """One save file, as :meth:`SaveSlots.list` finds it."""

    slot: str
    previous: bool
    """True for the generation a later save replaced (``<slot>.previous.db``)."""
    path: Path
    saved_at: float | None
    """Seconds since the epoch (None if the file could not be read)."""
    label: str
    schema_version: int | None
    problem: StoreFault | None
    """Why the file cannot be loaded, or None if it is sound."""

    @property
    def sound(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Loaded:
    """The play-through a load put in the live database, as the game holds it: read
    from the checked save while it was being loaded."""

    memory: list[MemoryRow]
    """``(slot, memory)``: each slot's map as stored, every one known to decode; by slot."""
    story: Snapshot


def _read_info(path: Path, slot: str, previous: bool) -> SaveInfo:
    """What ``path`` is: its save_info row and version, or what is wrong with it."""
    try:
        check_header(path, "list")
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            check_integrity(conn, path, "list", quick=True)
            version = version_of(conn)
            row = conn.execute("SELECT saved_at, label FROM save_info WHERE id = 1").fetchone()
        finally:
            conn.close()
    except StoreError as error:
        return SaveInfo(slot, previous, path, None, "", None, error.fault)
    except sqlite3.Error as error:
        fault = fault_from_exception(error, path, "list")
        return SaveInfo(slot, previous, path, None, "", None, fault)
    if row is None:
        fault = StoreFault(FaultKind.SCHEMA, str(path), "list", "the file is not a save")
        return SaveInfo(slot, previous, path, None, "", version, fault)
    return SaveInfo(slot, previous, path, row[0], row[1] or "", version, None)


def find_saves(paths: ProfilePaths) -> list[SaveInfo]:
    """Every save file in ``paths.slots``, newest first, sound or not (``problem``)."""
    found = []
    for path in sorted(paths.slots.glob("*.db")):
        name = path.name.removesuffix(".db")
        previous = name.endswith(".previous")
        slot = name.removesuffix(".previous")
        try:
            checked = paths.slot(slot, previous=previous)
        except StoreError as error:
            found.append(SaveInfo(slot, previous, path, None, "", None, error.fault))
            continue
        found.append(_read_info(checked, slot, previous))
    return sorted(found, key=lambda info: (info.saved_at or 0.0, not info.previous), reverse=True)


def copy_checked(source: Path, scratch: Path, operation: str) -> sqlite3.Connection:
    """Copy the save ``source`` to ``scratch``, check it and migrate the copy; returns a
    connection on the copy. ``source`` is only read. Errors name ``source``.

    Raises:
        StoreError: ``corrupt`` (header, integrity), ``schema`` (newer store, not a
            save), ``io``... all naming ``source``.
    """
    return _copy_checked(source, scratch, operation)[0]


def _copy_checked(
    source: Path, scratch: Path, operation: str
) -> tuple[sqlite3.Connection, list[MemoryRow]]:
    """:func:`copy_checked`, also giving the copy's NPC memory rows (checked: each
    decodes), which a load hands to the game rather than read them again."""
    check_header(source, operation)
    try:
        shutil.copyfile(source, scratch)
    except OSError as error:
        raise StoreError(fault_from_exception(error, source, operation)) from error
    conn = sqlite3.connect(scratch, isolation_level=None)
    try:
        check_integrity(conn, source, operation, quick=False)
        try:
            if conn.execute("SELECT count(*) FROM save_info").fetchone()[0] != 1:
                raise sqlite3.DatabaseError("no save_info row")
        except sqlite3.DatabaseError:
            raise StoreError(
                StoreFault(FaultKind.SCHEMA, str(source), operation, "the file is not a save")
            ) from None
        try:
            migrate(conn, source)
        except sqlite3.Error as error:
            raise StoreError(fault_from_exception(error, source, operation)) from error
        except BadValueError as bad:
            raise StoreError(
                StoreFault(FaultKind.CORRUPT, str(source), operation, str(bad), bad.where)
            ) from None
        memory = _check_values(conn, source, operation)
    except BaseException:
        conn.close()
        raise
    return conn, memory


def _check_values(conn: sqlite3.Connection, source: Path, operation: str) -> list[MemoryRow]:
    """Every stored value decodes: a save whose pages are sound but whose values are not
    must fail here, before it replaces anything. Returns the NPC memory rows, as stored
    (the game decodes each slot's map again on first use: keeping them all decoded would
    cost the load more than decoding twice costs in all)."""
    rows: list[MemoryRow] = conn.execute(
        "SELECT slot, memory FROM npc_memory ORDER BY slot"
    ).fetchall()
    try:
        for _, data in rows:
            decode_slot_memory(data)
    except ValueError:
        for slot, data in rows:
            try:
                decode_slot_memory(data)
            except ValueError as error:
                raise StoreError(
                    StoreFault(
                        FaultKind.CORRUPT,
                        str(source),
                        operation,
                        f"the memory in npc_memory does not decode ({error})",
                        f"slot {slot}",
                    )
                ) from None
        raise
    flags = conn.execute("SELECT story || ' flag ' || flag, value FROM story_flags")
    _name_bad_value(source, operation, "story_flags", flags)
    return rows


def _name_bad_value(
    source: Path, operation: str, table: str, values: Iterable[tuple[str, bytes]]
) -> None:
    """Raise a ``corrupt`` error naming the first of ``values`` that does not decode."""
    for where, value in values:
        try:
            decode(value)
        except (ValueError, TypeError) as error:
            raise StoreError(
                StoreFault(
                    FaultKind.CORRUPT,
                    str(source),
                    operation,
                    f"a value in {table} does not decode ({error})",
                    where,
                )
            ) from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a load makes its objects (a row, a value, a
    slot's dict: hundreds of thousands for a big world, none of them cyclic garbage):
    otherwise they set off collections, whole ones among them, each going over every
    object the game holds. It measured a quarter of a 10 000-NPC load."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SaveSlots:
    """Save, load, list and delete the profile's slots: ``store.saves``.

    Use it from the game thread (the one that uses the store): a load replaces what NPCs
    remember, between frames.
    """

    def __init__(
        self,
        paths: ProfilePaths,
        writer: Writer,
        before: Callable[[], None],
        after_load: Callable[[Loaded], None],
    ) -> None:
        self._paths = paths
        self._writer = writer
        self._before = before  # hands the frame's writes over, so a save holds them
        self._after_load = after_load  # puts what was loaded in what the game holds
        self.saves = 0
        self.loads = 0

    def save(self, slot: str, *, label: str = "") -> Future[SaveInfo]:
        """Save the live state as ``slot`` (replacing it, keeping the one it replaces as
        its previous generation). Returns at once; the future gives the new
        :class:`SaveInfo`, or raises :class:`StoreError` (disk full, read-only...): the
        slot is then as it was.

        Raises:
            StoreError: ``bad_path`` for a slot name that is not allowed.
        """
        target = self._paths.slot(slot)
        previous = self._paths.slot(slot, previous=True)
        self._before()
        return self._writer.run(lambda conn: self._save(conn, slot, label, target, previous))

    def load(self, slot: str, *, previous: bool = False, timeout: float | None = 60.0) -> SaveInfo:
        """Replace the live play-through (memory, story) with ``slot``'s, migrating a save
        from an older schema. Waits for it (a loading screen may).

        Raises:
            StoreError: ``bad_path``; ``no_such_slot``; ``corrupt`` or ``schema`` naming the
                slot's file, with the sound saves in ``offered``. Nothing changes then.
        """
        path = self._paths.slot(slot, previous=previous)
        if not path.exists():
            fault = StoreFault(
                FaultKind.NO_SUCH_SLOT, str(path), "load", f"there is no save {slot!r}", slot
            )
            raise StoreError(fault, offered=tuple(self._sound(exclude=path)))
        self._before()
        with _collector_paused():
            future = self._writer.run(lambda conn: self._load(conn, slot, path, previous))
            try:
                info, loaded = future.result(timeout)
            except StoreError as error:
                if error.kind in (FaultKind.CORRUPT, FaultKind.SCHEMA):
                    offered = tuple(self._sound(exclude=path))
                    raise StoreError(error.fault, offered=offered) from None
                raise
            self.loads += 1
            self._after_load(loaded)
        return info

    def list(self) -> list[SaveInfo]:
        """Every save file of the profile, newest first, sound or not (``problem``)."""
        return find_saves(self._paths)

    def delete(self, slot: str, timeout: float | None = 60.0) -> bool:
        """Delete ``slot`` and its previous generation; False if there was none.

        Raises:
            StoreError: ``bad_path``, ``read_only``...
        """
        paths = (self._paths.slot(slot), self._paths.slot(slot, previous=True))

        def delete(_: sqlite3.Connection) -> bool:
            existed = False
            for path in paths:
                try:
                    path.unlink()
                    existed = True
                except FileNotFoundError:
                    pass
                except OSError as error:
                    raise StoreError(fault_from_exception(error, path, "delete")) from error
            fsync_folder(self._paths.slots)
            return existed

        return self._writer.run(delete).result(timeout)

    # -- on the writer thread -------------------------------------------------------------

    def _save(
        self, conn: sqlite3.Connection, slot: str, label: str, target: Path, previous: Path
    ) -> SaveInfo:
        saved_at = time.time()
        scratch = target.with_suffix(".unmade")  # replaced below; named for the error path
        try:
            scratch = self._paths.temporary(slot, beside=self._paths.slots)
            copy = sqlite3.connect(scratch, isolation_level=None)
            try:
                # The copy is a scratch file no one sees until it is whole, flushed and
                # renamed in, and a crash while it is made leaves only scratch to delete:
                # it is built with no rollback journal and no flush at each step, and the
                # save's last transaction commits with synchronous=FULL, which flushes the
                # whole file once. (With a journal and FULL throughout, a save made 14
                # fsyncs; on a disk other programs keep busy, each costs milliseconds.)
                copy.execute("PRAGMA synchronous = OFF")
                copy.execute("PRAGMA journal_mode = OFF")
                conn.backup(copy)
                # The backup copied the live database's header, which says WAL: a save is a
                # plain rollback-journal file (opened read-only by tools, nothing beside it).
                copy.execute("PRAGMA journal_mode = DELETE")
                copy.execute("PRAGMA journal_mode = OFF")
                copy.execute("PRAGMA synchronous = FULL")
                copy.execute("BEGIN IMMEDIATE")
                _drop_what_is_not_ours(copy)
                copy.execute("DELETE FROM outbox")
                # The sync stream is this live database's, not the play-through's.
                copy.execute("DELETE FROM meta WHERE key IN (?, ?)", STREAM_KEYS)
                copy.execute("DELETE FROM save_info")
                copy.execute(
                    "INSERT INTO save_info(id, slot, profile, saved_at, label) "
                    "VALUES (1, ?, ?, ?, ?)",
                    (slot, self._paths.profile, saved_at, label),
                )
                copy.execute("COMMIT")
                version = version_of(copy)
            finally:
                copy.close()
            fsync_file(scratch)
            if target.exists():
                keep_previous(self._paths, target, previous)
            os.replace(scratch, target)
            fsync_folder(self._paths.slots)
        except (sqlite3.Error, OSError) as error:
            with contextlib.suppress(OSError):
                scratch.unlink()
            raise StoreError(fault_from_exception(error, target, "save", field=slot)) from error
        self.saves += 1
        return SaveInfo(slot, False, target, saved_at, label, version, None)

    def _load(
        self, conn: sqlite3.Connection, slot: str, path: Path, previous: bool
    ) -> tuple[SaveInfo, Loaded]:
        try:
            scratch = self._paths.temporary(slot)
        except OSError as error:
            raise StoreError(fault_from_exception(error, self._paths.tmp, "load")) from error
        try:
            copy, memory = _copy_checked(path, scratch, "load")
            try:
                row = copy.execute("SELECT saved_at, label FROM save_info WHERE id = 1").fetchone()
                version = version_of(copy)
                story = read_snapshot(copy)
            finally:
                copy.close()
            replace_play_through(conn, scratch, path)
        finally:
            with contextlib.suppress(OSError):
                scratch.unlink()
        info = SaveInfo(slot, previous, path, row[0], row[1] or "", version, None)
        return info, Loaded(memory, story)

    def _sound(self, exclude: Path) -> list[SaveInfo]:
        sound = [info for info in self.list() if info.sound and info.path != exclude]
        # The damaged slot's own previous generation first: it is what the player lost least.
        twin = exclude.name.removesuffix(".db").removesuffix(".previous")
        return sorted(sound, key=lambda info: info.slot != twin)


def keep_previous(paths: ProfilePaths, target: Path, previous: Path) -> None:
    """Keep the slot file ``target`` as ``previous`` (a hard link, or a copy) before a
    rename replaces it. Raises :class:`OSError`."""
    link = paths.temporary("previous", beside=paths.slots)
    link.unlink()
    try:
        os.link(target, link)
    except OSError:  # a file system without hard links: a copy does
        shutil.copyfile(target, link)
        fsync_file(link)
    os.replace(link, previous)


def _drop_what_is_not_ours(copy: sqlite3.Connection) -> None:
    # Tables the store's migrations did not make (the lore index) are derived from the
    # content, not part of a play-through. Virtual tables first: dropping one drops its
    # shadow tables with it.
    def others() -> list[tuple[str, bool]]:
        rows = copy.execute(
            "SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%' FROM sqlite_master "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return [(name, bool(virtual)) for name, virtual in rows if name not in STORE_TABLES]

    for name, _ in sorted(others(), key=lambda table: not table[1]):
        if any(name == left for left, _ in others()):
            quoted = name.replace('"', '""')
            copy.execute(f'DROP TABLE "{quoted}"')


def replace_play_through(conn: sqlite3.Connection, source: Path, named: Path) -> None:
    """Replace ``conn``'s :data:`SAVED_TABLES` with those of the (checked, migrated)
    database ``source``, in one transaction. Errors name ``named`` (the save)."""
    columns = {table: Database(conn)[table].columns_dict for table in SAVED_TABLES}
    try:
        conn.execute("ATTACH DATABASE ? AS saved", (str(source),))
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for table, names in columns.items():
                    listed = ", ".join(names)
                    conn.execute(f"DELETE FROM main.{table}")
                    conn.execute(
                        f"INSERT INTO main.{table}({listed}) SELECT {listed} FROM saved.{table}"
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE saved")
    except sqlite3.Error as error:
        raise StoreError(fault_from_exception(error, named, "load")) from error


class Autosave:
    """Saves every ``every_s`` seconds of the given clock: call :meth:`tick` once a frame.
    A save still being written when the next is due is not doubled: the tick waits."""

    def __init__(
        self,
        saves: SaveSlots,
        every_s: float,
        *,
        slot: str = "autosave",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._saves = saves
        self._every_s = every_s
        self._slot = slot
        self._clock = clock
        self._last = clock()
        self._running: Future[SaveInfo] | None = None

    def tick(self) -> Future[SaveInfo] | None:
        """Start a save if one is due; returns its future, or None."""
        now = self._clock()
        if now - self._last < self._every_s:
            return None
        if self._running is not None and not self._running.done():
            return None
        self._last = now
        self._running = self._saves.save(self._slot, label="autosave")
        return self._running
