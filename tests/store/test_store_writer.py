"""The writer thread: back-pressure within the budget, nothing dropped silently, frames
grouped into one commit, a bad batch refused alone. The writer is held still with a
task that waits on an event, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from engine_bridge.store import FaultKind, Store, StoreConfig


def _hold_writer(store: Store) -> threading.Event:
    """Keep the writer thread busy until the returned event is set."""
    release = threading.Event()
    started = threading.Event()

    def hold(_: sqlite3.Connection) -> None:
        started.set()
        release.wait(60)

    store._writer.run(hold)
    assert started.wait(30)
    return release


def test_a_full_queue_keeps_the_frame_for_the_next_one_counted_and_nothing_is_lost(
    save_root: Path,
) -> None:
    store = Store.open(save_root, "p", StoreConfig(queue_size=2, handover_budget_s=0.0))
    try:
        release = _hold_writer(store)
        for seq in range(10):
            assert store.outbox.append("frame", {"n": seq}) == seq + 1
            store.flush()
        metrics = store.metrics
        assert metrics.queue_depth == 2
        assert metrics.pending_batches == 8  # kept in order on the game thread's side
        assert metrics.backpressure_waits == 8
        assert metrics.deferred_handovers == 8
        release.set()
        assert store.wait_committed(timeout=30)  # hands the kept batches over first
        assert [event.body for event in store.outbox.pending()] == [{"n": n} for n in range(10)]
        assert store.metrics.pending_batches == 0
        assert store.metrics.batches_committed == 10
    finally:
        store.close()


def test_a_frame_with_nothing_to_write_still_hands_over_what_was_kept(save_root: Path) -> None:
    store = Store.open(save_root, "p", StoreConfig(queue_size=1, handover_budget_s=0.0))
    try:
        release = _hold_writer(store)
        store.outbox.append("a", 1)
        store.flush()
        store.outbox.append("b", 2)
        store.flush()
        assert store.metrics.pending_batches == 1
        release.set()
        # The next frames write nothing; the kept batch goes as soon as there is room.
        # (The bound only stops a hung writer; it decides nothing.)
        for _ in range(12000):
            store.flush()
            if store.metrics.pending_batches == 0:
                break
            threading.Event().wait(0.01)
        assert store.metrics.pending_batches == 0
        assert store.wait_committed(timeout=30)
        assert [e.kind for e in store.outbox.pending()] == ["a", "b"]
    finally:
        store.close()


def test_batches_waiting_in_the_queue_commit_together(save_root: Path) -> None:
    store = Store.open(save_root, "p", StoreConfig(queue_size=64))
    try:
        release = _hold_writer(store)
        for n in range(20):
            store.outbox.append("e", n)
            store.flush()
        release.set()
        assert store.wait_committed(timeout=30)
        metrics = store.metrics
        assert metrics.batches_committed == 20
        assert metrics.transactions == 1
    finally:
        store.close()


def test_a_batch_sqlite_refuses_is_dropped_alone_with_a_fault(store: Store) -> None:
    release = _hold_writer(store)
    store.outbox.append("before", 1)
    store.flush()
    # A batch that breaks the schema (a duplicate primary key): a bug, not a full disk.
    store._journal.batch.add(
        "INSERT INTO outbox(seq, kind, body, created) VALUES (?, ?, ?, ?)",
        [(1, "duplicate", b"\x01", 0.0)],
    )
    bad = store.flush()
    store.outbox.append("after", 2)
    store.flush()
    release.set()
    assert bad is not None
    assert not store.wait_committed(bad, timeout=30)
    assert store.wait_committed(timeout=30)
    assert [e.kind for e in store.outbox.pending()] == ["before", "after"]
    faults = store.take_faults()
    assert [f.kind for f in faults] == [FaultKind.REJECTED]
    assert faults[0].code == "SQLITE_CONSTRAINT_PRIMARYKEY"
    assert store.metrics.rejected_batches == 1


def test_the_database_is_wal_with_a_busy_timeout_and_readers_see_committed_rows(
    store: Store,
) -> None:
    store.outbox.append("e", {"x": 1})
    store.flush()
    assert store.wait_committed(timeout=30)
    conn = sqlite3.connect(store.paths.live)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT kind FROM outbox").fetchall() == [("e",)]
    finally:
        conn.close()
    seen: list[int] = []
    reader = threading.Thread(target=lambda: seen.extend(e.seq for e in store.outbox.pending()))
    reader.start()
    reader.join(30)
    assert seen == [1]


def test_acknowledged_events_leave_the_outbox_and_seq_never_goes_back(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    for n in range(3):
        store.outbox.append("e", n)
    store.outbox.acknowledge(3)
    store.flush()
    assert store.wait_committed(timeout=30)
    assert store.outbox.pending() == []
    store = reopen(store)
    try:
        assert store.outbox.append("e", 4) == 4
    finally:
        store.close()
