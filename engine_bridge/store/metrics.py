"""What the store has done and what it is holding back: counters a game can show and
tests can check. Nothing the store does to cope (waiting on a full queue, keeping a batch
for the next frame, retrying a failed commit) goes uncounted."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StoreMetrics"]


@dataclass(frozen=True, slots=True)
class StoreMetrics:
    """A snapshot of the store's counters (``store.metrics``)."""

    queue_depth: int
    """Batches in the writer's queue now."""
    queue_capacity: int
    pending_batches: int
    """Batches the game thread holds because the queue was full when its time budget
    ran out: handed over first thing next frame, never dropped."""
    batches_submitted: int
    batches_committed: int
    transactions: int
    """Commits: the writer groups the batches waiting in its queue into one."""
    rows_written: int
    backpressure_waits: int
    """Hand-overs that found the queue full and waited (within the time budget)."""
    backpressure_seconds: float
    deferred_handovers: int
    """Hand-overs whose budget ran out with batches still to go (kept, retried next)."""
    failed_commits: int
    """Commits that failed for a reason a retry may clear (disk full, read-only)."""
    retries: int
    rejected_batches: int
    """Batches SQLite refused for good (a bug in what was written): each is a fault."""
    abandoned_batches: int
    """Batches still failing when the store closed: each is counted in a fault."""
    faults: int
    saves: int
    loads: int
