"""The writer thread: the one connection that writes to a profile's live database.

The game thread hands it :class:`Batch` es through a bounded queue (:meth:`Writer.submit`)
and never waits on disk. When the queue is full it waits for room, but only within the
time budget it is given; if that runs out the batch is kept, in order, and handed over
first at the next call, and both the wait and the deferral are counted. Nothing is
dropped silently.

The writer takes every batch waiting in the queue into one ``BEGIN IMMEDIATE``
transaction (a busy frame's batches cost one commit), executing each statement with
``executemany`` (the statements are constants, so the connection's statement cache keeps
them prepared). A commit that fails for a reason a retry may clear (disk full, the folder
read-only) is rolled back, recorded as a :class:`StoreFault` and retried after
``retry_interval_s`` with the same batches, in order; the queue meanwhile fills and the
game thread feels it as back-pressure, never as a stall. A batch SQLite refuses for good
is a bug in what was written: it is recorded as a ``rejected`` fault and dropped, and the
batches grouped with it are committed without it.

Explicit operations (a save, a load) run on the writer thread too, in queue order, so a
save holds every batch handed over before it (:meth:`Writer.run`).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from engine_bridge.store.errors import (
    TRANSIENT_KINDS,
    FaultKind,
    StoreError,
    StoreFault,
    fault_from_exception,
)

__all__ = ["Batch", "Writer", "connect"]

log = logging.getLogger("engine_bridge.store")

T = TypeVar("T")

Rows = list[tuple[Any, ...]]


class LazyRows(Protocol):
    """Rows made when the writer iterates them (on its thread), as often as it needs."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[tuple[Any, ...]]: ...


@dataclass(slots=True)
class Batch:
    """One frame's writes: statements run in order, each with ``executemany``."""

    ticket: int
    ops: list[tuple[str, Rows | LazyRows]] = field(default_factory=list)

    def add(self, statement: str, rows: Rows) -> None:
        """Append ``rows`` for ``statement`` (merged into the previous op if the same)."""
        if not rows:
            return
        last = self.ops[-1] if self.ops else None
        if last is not None and last[0] == statement and type(last[1]) is list:
            last[1].extend(rows)
        else:
            self.ops.append((statement, list(rows)))

    def add_row(self, statement: str, row: tuple[Any, ...]) -> None:
        """:meth:`add` of one row (an outbox event), without a list made for it."""
        ops = self.ops
        if ops and ops[-1][0] == statement and type(ops[-1][1]) is list:
            ops[-1][1].append(row)  # type: ignore[union-attr]
        else:
            ops.append((statement, [row]))

    def add_lazy(self, statement: str, rows: LazyRows) -> None:
        """Rows made on the writer thread (never merged with others)."""
        self.ops.append((statement, rows))

    def __len__(self) -> int:
        return sum(len(rows) for _, rows in self.ops)


@dataclass(slots=True)
class _Task:
    run: Callable[[sqlite3.Connection], Any]
    future: Future[Any]


_STOP = object()


def connect(path: Path, *, busy_timeout_ms: int, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly), WAL,
    ``busy_timeout`` and ``synchronous`` set. Idempotent on an existing database."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"journal_mode is {mode}, not wal")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
    except BaseException:
        conn.close()
        raise
    return conn


class _Counters:
    # Each counter is written by one thread only (the game's or the writer's), so
    # no lock is needed: a snapshot may be a moment stale, never wrong.
    def __init__(self) -> None:
        self.batches_submitted = 0
        self.batches_committed = 0
        self.transactions = 0
        self.rows_written = 0
        self.backpressure_waits = 0
        self.backpressure_seconds = 0.0
        self.deferred_handovers = 0
        self.failed_commits = 0
        self.retries = 0
        self.rejected_batches = 0
        self.abandoned_batches = 0
        self.faults = 0


class Writer:
    """Owns the write connection of one database, on a thread of its own."""

    def __init__(
        self,
        path: Path,
        *,
        queue_size: int = 64,
        group_limit: int = 256,
        retry_interval_s: float = 0.5,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.path = path
        self.counters = _Counters()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._capacity = queue_size
        self._group_limit = group_limit
        self._retry_interval_s = retry_interval_s
        self._busy_timeout_ms = busy_timeout_ms
        self._pending: deque[object] = deque()  # the game thread's, kept in order
        self._done = threading.Condition()
        self._processed = 0  # highest ticket the writer is done with (committed or rejected)
        self._rejected: set[int] = set()
        self._faults: deque[StoreFault] = deque(maxlen=256)
        self._faults_lock = threading.Lock()
        self._last_logged: FaultKind | None = None
        self._closing = threading.Event()
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="aicore-store-writer", daemon=True)

    # -- the game thread's side ---------------------------------------------------------

    def start(self) -> None:
        """Open the write connection on the writer thread.

        Raises:
            StoreError: the connection could not be opened (read-only, disk full...).
        """
        self._thread.start()
        self._started.wait()
        if self._start_error is not None:
            self._thread.join()
            error = self._start_error
            raise StoreError(fault_from_exception(error, self.path, "open")) from error

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    @property
    def queue_capacity(self) -> int:
        return self._capacity

    @property
    def processed(self) -> int:
        """The highest ticket the writer is done with (committed, or rejected)."""
        return self._processed

    @property
    def pending(self) -> int:
        """Batches kept on the game thread's side for the next hand-over."""
        return len(self._pending)

    def submit(self, batch: Batch, budget_s: float) -> bool:
        """Hand ``batch`` (after any kept from before) to the writer, waiting for room at
        most ``budget_s``. True when everything was handed over; False when the budget
        ran out and batches are kept for the next call (counted)."""
        self.counters.batches_submitted += 1
        self._pending.append(batch)
        return self._hand_over(time.monotonic() + budget_s)

    def hand_over_pending(self, budget_s: float) -> bool:
        """Hand over what was kept, within ``budget_s`` (a frame with nothing to write)."""
        return not self._pending or self._hand_over(time.monotonic() + budget_s)

    def run(self, task: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``task`` with the write connection on the writer thread, after everything
        handed over before; waits for room in the queue (an explicit operation may)."""
        future: Future[T] = Future()
        if self._closing.is_set():
            future.set_exception(self._closed("run"))
            return future
        self._pending.append(_Task(task, future))
        self._hand_over(float("inf"))
        return future

    def wait_committed(self, ticket: int, timeout: float | None = None) -> bool:
        """Wait until the batch ``ticket`` (and every one before it) is committed; False
        on timeout or if it was rejected. For tests, saves and shutdown, never a frame."""
        self._hand_over(float("inf"))
        with self._done:
            finished = self._done.wait_for(lambda: self._processed >= ticket, timeout)
        return finished and ticket not in self._rejected

    def take_faults(self) -> list[StoreFault]:
        """The faults recorded since the last call (oldest first)."""
        with self._faults_lock:
            faults = list(self._faults)
            self._faults.clear()
        return faults

    def close(self, timeout: float = 10.0) -> None:
        """Hand over what is kept, let the writer commit it, and stop. If commits are
        still failing, the writer tries once more and then gives up on what is left,
        recording how many batches were not written (a fault, never silence)."""
        if not self._thread.is_alive():
            return
        deadline = time.monotonic() + timeout
        self._hand_over(deadline)
        if self._pending:
            self.counters.abandoned_batches += len(self._pending)
            self.record(
                StoreFault(
                    kind=FaultKind.CLOSED,
                    file=str(self.path),
                    operation="close",
                    reason=f"{len(self._pending)} batches could not be handed to the writer "
                    "before the store closed",
                )
            )
            self._pending.clear()
        self._closing.set()
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=max(0.0, deadline - time.monotonic()))
        self._thread.join(max(0.0, deadline - time.monotonic()))

    # -- shared -------------------------------------------------------------------------

    def record(self, fault: StoreFault) -> None:
        """Keep ``fault`` for :meth:`take_faults`; log it when the kind of trouble
        changes (a full disk retried every half second logs once, not forever)."""
        with self._faults_lock:
            self._faults.append(fault)
            self.counters.faults += 1
            changed = fault.kind != self._last_logged
            self._last_logged = fault.kind
        if changed:
            log.error("store: %s", fault)

    def _closed(self, operation: str) -> StoreError:
        return StoreError(
            StoreFault(FaultKind.CLOSED, str(self.path), operation, "the store is closed")
        )

    def _hand_over(self, deadline: float) -> bool:
        waited = False
        while self._pending:
            item = self._pending[0]
            try:
                self._queue.put_nowait(item)
            except queue.Full:
                if not waited:
                    waited = True
                    self.counters.backpressure_waits += 1
                start = time.monotonic()
                remaining = deadline - start
                try:
                    if remaining <= 0:
                        raise queue.Full from None
                    self._queue.put(item, timeout=None if remaining == float("inf") else remaining)
                except queue.Full:
                    self.counters.deferred_handovers += 1
                    return False
                finally:
                    self.counters.backpressure_seconds += time.monotonic() - start
            self._pending.popleft()
        return True

    # -- the writer thread ---------------------------------------------------------------

    def _main(self) -> None:
        try:
            conn = connect(self.path, busy_timeout_ms=self._busy_timeout_ms)
        except BaseException as error:  # reported by start(), on the caller's thread
            self._start_error = error
            self._started.set()
            return
        self._started.set()
        try:
            self._loop(conn)
        finally:
            conn.close()

    def _loop(self, conn: sqlite3.Connection) -> None:
        carry: object = None
        while True:
            item = carry if carry is not None else self._queue.get()
            carry = None
            if item is _STOP:
                return
            if isinstance(item, _Task):
                self._run_task(conn, item)
                continue
            assert isinstance(item, Batch)
            group = [item]
            while len(group) < self._group_limit:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(more, Batch):
                    carry = more
                    break
                group.append(more)
            self._commit(conn, group)

    def _run_task(self, conn: sqlite3.Connection, task: _Task) -> None:
        if not task.future.set_running_or_notify_cancel():
            return
        try:
            task.future.set_result(task.run(conn))
        except BaseException as error:
            task.future.set_exception(error)

    def _commit(self, conn: sqlite3.Connection, group: list[Batch]) -> None:
        while True:
            try:
                self._transaction(conn, group)
            except sqlite3.Error as error:
                fault = fault_from_exception(error, self.path, "commit")
                if fault.kind not in TRANSIENT_KINDS:
                    if len(group) == 1:
                        self._drop(group[0], fault)
                    else:  # one at a time: only the bad batch is dropped
                        for batch in group:
                            self._commit(conn, [batch])
                    return
                self.record(fault)
                self.counters.failed_commits += 1
                if self._closing.is_set():
                    # One last try has just failed: the store is closing.
                    self._abandon(group, fault)
                    return
                self._closing.wait(self._retry_interval_s)
                self.counters.retries += 1
                continue
            self._finished(group)
            return

    def _transaction(self, conn: sqlite3.Connection, group: list[Batch]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for batch in group:
                for statement, rows in batch.ops:
                    conn.executemany(statement, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        self.counters.transactions += 1
        self.counters.rows_written += sum(len(batch) for batch in group)

    def _finished(self, group: list[Batch], rejected: tuple[int, ...] = ()) -> None:
        self.counters.batches_committed += len(group) - len(rejected)
        with self._done:
            self._rejected.update(rejected)
            self._processed = max(self._processed, group[-1].ticket)
            self._done.notify_all()

    def _drop(self, batch: Batch, fault: StoreFault) -> None:
        self.counters.rejected_batches += 1
        self.record(
            StoreFault(
                kind=FaultKind.REJECTED,
                file=str(self.path),
                operation="commit",
                reason=f"batch {batch.ticket} ({len(batch)} rows) dropped: {fault.reason}",
                code=fault.code,
            )
        )
        self._finished([batch], (batch.ticket,))

    def _abandon(self, group: list[Batch], fault: StoreFault) -> None:
        self.counters.abandoned_batches += len(group)
        self.record(
            StoreFault(
                kind=fault.kind,
                file=str(self.path),
                operation="close",
                reason=f"{len(group)} batches not written when the store closed: {fault.reason}",
                code=fault.code,
            )
        )
        with self._done:
            self._rejected.update(batch.ticket for batch in group)
            self._processed = max(self._processed, group[-1].ticket)
            self._done.notify_all()
