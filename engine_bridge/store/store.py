"""The store of one profile: :class:`Store`, what the runtime opens at start and closes
at the end. It puts together the writer thread (writer.py), the frame's journal
(journal.py), NPC memory, story state, the outbox and the save slots.

Use it from one thread, the game's; only :meth:`Outbox.pending
<engine_bridge.store.outbox.Outbox.pending>` may be called from others (each thread
reads on a connection of its own).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from engine_bridge.store.database_file import (
    check_header,
    check_integrity,
    fsync_file,
    fsync_folder,
)
from engine_bridge.store.errors import FaultKind, StoreError, StoreFault, fault_from_exception
from engine_bridge.store.journal import Journal
from engine_bridge.store.metrics import StoreMetrics
from engine_bridge.store.npc_memory import SqliteNpcMemory
from engine_bridge.store.outbox import Outbox, next_seq
from engine_bridge.store.paths import ProfilePaths
from engine_bridge.store.saves import Loaded, SaveSlots, copy_checked, find_saves
from engine_bridge.store.schema import BadValueError, migrate
from engine_bridge.store.story_state import StoryState, read_snapshot
from engine_bridge.store.sync_stream import (
    STREAM_KEYS,
    SyncStream,
    ensure_sync_stream,
    read_sync_stream,
)
from engine_bridge.store.writer import Writer, connect

T = TypeVar("T")

__all__ = ["Store", "StoreConfig"]


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """How the store trades memory, time and patience."""

    queue_size: int = 64
    """Batches (frames) the writer's queue holds before the game feels back-pressure."""
    handover_budget_s: float = 0.002
    """The most the game thread waits for room in a full queue per frame; after that
    the frame's batch is kept for the next frame (counted, never dropped)."""
    retry_interval_s: float = 0.5
    """How long the writer waits before retrying a commit that failed (disk full...)."""
    busy_timeout_ms: int = 5000


def _lock(paths: ProfilePaths) -> int:
    try:
        fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(fault_from_exception(error, paths.lock, "open")) from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(
            StoreFault(
                FaultKind.IN_USE,
                str(paths.folder),
                "open",
                "another store has this profile open",
                paths.profile,
            )
        ) from None
    return fd


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _create_live(paths: ProfilePaths, config: StoreConfig) -> None:
    # Made aside and renamed in, so live.db, once there, always has its header: a live
    # database that lacks one is damaged, never "not finished yet".
    scratch = paths.live.with_suffix(".unmade")
    try:
        scratch = paths.temporary("live", beside=paths.folder)
        conn = connect(scratch, busy_timeout_ms=config.busy_timeout_ms)
        try:
            migrate(conn, scratch)
            ensure_sync_stream(conn)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        fsync_file(scratch)
        os.replace(scratch, paths.live)
        fsync_folder(paths.folder)
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            scratch.unlink()
        raise StoreError(fault_from_exception(error, paths.live, "open")) from error


def _clear_scratch(paths: ProfilePaths) -> None:
    leftovers = [
        *paths.folder.glob(".*.tmp*"),
        *paths.slots.glob(".*.tmp*"),
        *paths.tmp.glob(".*.tmp*"),
    ]
    for leftover in leftovers:  # of an interrupted save, load or recovery
        with contextlib.suppress(OSError):
            leftover.unlink()


class Store:
    """One profile's persistent state. Open with :meth:`open`; close with :meth:`close`
    (or a ``with`` block)."""

    def __init__(self, paths: ProfilePaths, config: StoreConfig, lock_fd: int) -> None:
        self.paths = paths
        self.config = config
        self._lock_fd = lock_fd
        self._closed = False
        self._readers: list[sqlite3.Connection] = []
        self._reader_of_thread = threading.local()
        self._readers_lock = threading.Lock()
        self._writer = Writer(
            paths.live,
            queue_size=config.queue_size,
            retry_interval_s=config.retry_interval_s,
            busy_timeout_ms=config.busy_timeout_ms,
        )
        self._writer.start()
        self._journal = Journal(self._writer, config.handover_budget_s)
        reader = self._reader()
        try:
            self._memory = SqliteNpcMemory(self._journal, self._memory_rows(reader))
            self.story_state = StoryState(self._journal, read_snapshot(reader))
            self.outbox = Outbox(self._journal, next_seq(reader), self._reader)
            stream = read_sync_stream(reader)
            if stream is None:  # open() made it: only a database changed under us lacks it
                raise ValueError("meta holds no sync stream")
            self.sync_stream: SyncStream = stream
            """Who this profile's database is to the cloud gateway (``sync_stream.py``)."""
        except (sqlite3.Error, ValueError) as error:
            self._shut(unlock=False)  # open() lets go of the lock
            fault = fault_from_exception(error, paths.live, "open")
            raise StoreError(
                StoreFault(FaultKind.CORRUPT, fault.file, "open", f"unreadable rows: {error}")
            ) from error
        self.saves = SaveSlots(paths, self._writer, self.flush, self._reload)

    @classmethod
    def open(cls, save_root: Path | str, profile: str, config: StoreConfig | None = None) -> Store:
        """Open (or create) ``profile``'s store under ``save_root``: checks the live
        database, migrates it, starts the writer thread and loads memory, story state
        and the outbox's next ``seq``.

        Raises:
            StoreError: ``bad_path`` (profile name, symlinks); ``in_use``; ``read_only``,
                ``disk_full``, ``io``; ``corrupt`` naming ``live.db`` with the sound saves
                in ``offered`` (nothing is overwritten: :meth:`recover` is the way out).
        """
        config = config or StoreConfig()
        paths = ProfilePaths.under(save_root, profile)
        fd = _lock(paths)
        try:
            _clear_scratch(paths)
            if paths.live.exists():
                cls._check_live(paths, config)
            else:
                _create_live(paths, config)
            return cls(paths, config, fd)
        except StoreError as error:
            _unlock(fd)
            if error.kind in (FaultKind.CORRUPT, FaultKind.SCHEMA) and not error.offered:
                offered = cls._sound_saves(paths)
                raise StoreError(error.fault, offered=offered) from None
            raise
        except BaseException:
            _unlock(fd)
            raise

    @staticmethod
    def _check_live(paths: ProfilePaths, config: StoreConfig) -> None:
        check_header(paths.live, "open")
        try:
            conn = connect(paths.live, busy_timeout_ms=config.busy_timeout_ms)
        except sqlite3.Error as error:
            raise StoreError(fault_from_exception(error, paths.live, "open")) from error
        try:
            check_integrity(conn, paths.live, "open", quick=True)
            migrate(conn, paths.live)
            ensure_sync_stream(conn)  # a database from before sync, or started from a save
        except sqlite3.Error as error:
            raise StoreError(fault_from_exception(error, paths.live, "open")) from error
        except BadValueError as bad:
            raise StoreError(
                StoreFault(FaultKind.CORRUPT, str(paths.live), "open", str(bad), bad.where)
            ) from None
        finally:
            conn.close()

    @staticmethod
    def _sound_saves(paths: ProfilePaths) -> tuple[object, ...]:
        return tuple(info for info in find_saves(paths) if info.sound)

    @staticmethod
    def recover(save_root: Path | str, profile: str, slot: str, *, previous: bool = False) -> Path:
        """Start ``profile`` afresh from the save ``slot`` when its live database is
        damaged. The damaged files are kept (renamed ``damaged-<n>.db``, never over
        another file); returns that path. Then :meth:`open` works again.

        Raises:
            StoreError: as :meth:`open` and `store.saves.load` raise.
        """
        paths = ProfilePaths.under(save_root, profile)
        source = paths.slot(slot, previous=previous)
        fd = _lock(paths)
        try:
            scratch = paths.live.with_suffix(".unmade")
            try:
                scratch = paths.temporary("recover", beside=paths.folder)
                copy = copy_checked(source, scratch, "recover")
                try:
                    copy.execute("DELETE FROM save_info")
                    # A save made before saves left the stream out: the recovered profile
                    # must be a new stream all the same (sync_stream.py).
                    copy.execute("DELETE FROM meta WHERE key IN (?, ?)", STREAM_KEYS)
                    mode = copy.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if mode != "wal":
                        raise sqlite3.OperationalError(f"journal_mode is {mode}, not wal")
                finally:
                    copy.close()
                fsync_file(scratch)
                kept = paths.folder / "damaged.db"
                number = 0
                while kept.exists():
                    number += 1
                    kept = paths.folder / f"damaged-{number}.db"
                for suffix in ("", "-wal", "-shm"):
                    damaged = Path(f"{paths.live}{suffix}")
                    if damaged.exists():
                        os.rename(damaged, Path(f"{kept}{suffix}"))
                os.replace(scratch, paths.live)
                fsync_folder(paths.folder)
            except (sqlite3.Error, OSError) as error:
                with contextlib.suppress(OSError):
                    scratch.unlink()
                raise StoreError(fault_from_exception(error, paths.live, "recover")) from error
            return kept
        finally:
            _unlock(fd)

    # -- what the runtime wires --------------------------------------------------------

    def npc_memory(self) -> SqliteNpcMemory:
        """The NPC memory to give the scheduler (``Scheduler(memory=...)``): always the
        same object, even across loads."""
        return self._memory

    def open_reader(self) -> sqlite3.Connection:
        """A new read-only connection to the live database, for a reader that keeps its
        own (the lore index's searches); the caller closes it."""
        conn = sqlite3.connect(
            f"{self.paths.live.as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {self.config.busy_timeout_ms}")
        return conn

    def run_write(self, task: Callable[[sqlite3.Connection], T], timeout: float = 120.0) -> T:
        """Run ``task`` on the writer thread with the write connection (autocommit: the
        task begins and ends its own transaction), after everything handed over before,
        and return its result. For work outside the frame (building the lore index at
        start); never in a frame."""
        return self._writer.run(task).result(timeout)

    def flush(self) -> int | None:
        """Hand the frame's writes (memory, story, outbox) to the writer; the scheduler's
        ``memory.flush()`` at the end of a frame does the same. Returns the batch's
        ticket, or None if nothing was written."""
        self._memory.collect()
        return self._journal.flush()

    def wait_committed(self, ticket: int | None = None, timeout: float | None = None) -> bool:
        """Wait until batch ``ticket`` (default: the last handed over) is committed. For
        shutdown, tests and tools: never in a frame."""
        wanted = self._journal.last_ticket if ticket is None else ticket
        return self._writer.wait_committed(wanted, timeout)

    @property
    def committed_through(self) -> int:
        """The highest batch ticket the writer is done with: every batch up to it is
        committed, except those a ``rejected`` fault names. Never waits."""
        return self._writer.processed

    @property
    def deferred_handovers(self) -> int:
        """Frames' writes held for a later frame because the writer's queue stayed full
        past the hand-over budget (kept in order, never dropped). Cheap enough to read
        every frame, unlike :attr:`metrics`."""
        return self._writer.counters.deferred_handovers

    @property
    def metrics(self) -> StoreMetrics:
        """The store's counters now."""
        counters = self._writer.counters
        return StoreMetrics(
            queue_depth=self._writer.queue_depth,
            queue_capacity=self._writer.queue_capacity,
            pending_batches=self._writer.pending,
            batches_submitted=counters.batches_submitted,
            batches_committed=counters.batches_committed,
            transactions=counters.transactions,
            rows_written=counters.rows_written,
            backpressure_waits=counters.backpressure_waits,
            backpressure_seconds=counters.backpressure_seconds,
            deferred_handovers=counters.deferred_handovers,
            failed_commits=counters.failed_commits,
            retries=counters.retries,
            rejected_batches=counters.rejected_batches,
            abandoned_batches=counters.abandoned_batches,
            faults=counters.faults,
            saves=self.saves.saves,
            loads=self.saves.loads,
        )

    def take_faults(self) -> list[StoreFault]:
        """What went wrong since the last call (disk full, read-only, a value that could
        not be kept...), oldest first: the game shows it, and goes on."""
        return self._writer.take_faults()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is left and stop the writer (see :meth:`Writer.close
        <engine_bridge.store.writer.Writer.close>` for what happens if writes still fail).
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._memory.collect()
        self._journal.flush()
        self._shut(timeout)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- private -------------------------------------------------------------------------

    def _shut(self, timeout: float = 10.0, *, unlock: bool = True) -> None:
        # Readers first: SQLite folds the write-ahead log into the database and deletes it
        # when the last connection closes, and only a connection that may write can.
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._writer.close(timeout)
        if unlock:
            _unlock(self._lock_fd)

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._reader_of_thread, "conn", None)
        if conn is None:
            conn = self.open_reader()
            self._reader_of_thread.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @staticmethod
    def _memory_rows(conn: sqlite3.Connection) -> list[tuple[int, bytes]]:
        return conn.execute("SELECT slot, memory FROM npc_memory ORDER BY slot").fetchall()

    def _reload(self, loaded: Loaded) -> None:
        # What the load put on disk, read from the save as it was checked (every map
        # decoded then): not read back from live.db; each slot is decoded on first use.
        self._memory.replace_checked(loaded.memory)
        self.story_state.replace(loaded.story)
