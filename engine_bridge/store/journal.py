"""The game thread's side of the writer: the batch the current frame is filling, and
its hand-over at the end of the frame (within the hand-over time budget).

Memory, story state and the outbox all add their rows to :attr:`Journal.batch`, so a
frame's writes of every kind commit together, in one transaction.
"""

from __future__ import annotations

from engine_bridge.store.errors import StoreFault
from engine_bridge.store.writer import Batch, Writer

__all__ = ["Journal"]


class Journal:
    """Collects a frame's writes and hands them to the :class:`Writer`."""

    def __init__(self, writer: Writer, budget_s: float) -> None:
        self.writer = writer
        self.budget_s = budget_s
        self._next_ticket = 1
        self.batch = Batch(self._next_ticket)

    def flush(self) -> int | None:
        """Hand the frame's batch over (and any kept from earlier frames); returns its
        ticket (for :meth:`Writer.wait_committed`), or None if the frame wrote nothing."""
        batch = self.batch
        if not batch.ops:
            self.writer.hand_over_pending(self.budget_s)
            return None
        self._next_ticket += 1
        self.batch = Batch(self._next_ticket)
        self.writer.submit(batch, self.budget_s)
        return batch.ticket

    @property
    def last_ticket(self) -> int:
        """The ticket of the last batch handed over (0: none yet)."""
        return self._next_ticket - 1

    def record(self, fault: StoreFault) -> None:
        """Keep a fault found on the game thread (one the game reads with the rest)."""
        self.writer.record(fault)
