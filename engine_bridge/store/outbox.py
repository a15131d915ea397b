"""The outbox: events bound for the cloud, kept in the profile's database until the
sync client (issue #15) has them acknowledged.

Each event gets its ``seq`` on the game thread when it is appended (one more than the
last, across restarts), so the game knows it at once; it is committed with the frame's
batch, in order. A row is ``(seq, kind, body, created)``, ``body`` being msgpack.
Acknowledged events are deleted, and the highest acknowledged ``seq`` is kept in
``meta`` so that ``seq`` never goes back even when the outbox is empty.

The outbox is not part of a save: loading one does not take back events that happened.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.store.encoding import UnencodableError, decode, encode
from engine_bridge.store.errors import NotPlainDataError
from engine_bridge.store.journal import Journal

__all__ = ["Outbox", "OutboxEvent", "next_seq"]

_INSERT = "INSERT INTO outbox(seq, kind, body, created) VALUES (?, ?, ?, ?)"
_DELETE_THROUGH = "DELETE FROM outbox WHERE seq <= ?"
_ACKED = (
    "INSERT INTO meta(key, value) VALUES ('outbox_acked_through', ?) "
    "ON CONFLICT(key) DO UPDATE SET value = "
    "max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))"
)


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One event waiting for the cloud."""

    seq: int
    kind: str
    body: Memorable
    created: float
    """Seconds since the epoch, when it was appended."""


def next_seq(conn: sqlite3.Connection) -> int:
    """The ``seq`` the next appended event gets, from what the database holds."""
    (top,) = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()
    row = conn.execute("SELECT value FROM meta WHERE key = 'outbox_acked_through'").fetchone()
    return max(int(top), int(row[0]) if row else 0) + 1


class Outbox:
    """``store.outbox``: append on the game thread, read and acknowledge from any."""

    def __init__(
        self, journal: Journal, first_seq: int, reader: Callable[[], sqlite3.Connection]
    ) -> None:
        self._journal = journal
        self._next = first_seq
        self._reader = reader

    @property
    def last_seq(self) -> int:
        """The ``seq`` of the last event appended (0: none ever)."""
        return self._next - 1

    def append(self, kind: str, body: Memorable) -> int:
        """Record an event in the frame's batch; returns its ``seq``. It is on disk once
        the frame's batch commits (``store.wait_committed`` says when).

        Raises:
            NotPlainDataError: ``body`` is not plain data (named by the key ``kind``).
        """
        try:
            data = encode(body)
        except UnencodableError as bad:
            raise NotPlainDataError(-1, kind, bad.where, bad.type_name) from None
        seq = self._next
        self._next = seq + 1
        self._journal.batch.add_row(_INSERT, (seq, kind, data, time.time()))
        return seq

    def pending(self, after_seq: int = 0, limit: int = 1000) -> list[OutboxEvent]:
        """Committed events with ``seq > after_seq``, oldest first, at most ``limit``
        (read on the calling thread's own connection)."""
        rows = self._reader().execute(
            "SELECT seq, kind, body, created FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        return [OutboxEvent(seq, kind, decode(body), created) for seq, kind, body, created in rows]

    def acknowledge(self, through_seq: int) -> None:
        """The cloud has every event up to ``through_seq``: delete them (in the frame's
        batch; call on the game thread)."""
        batch = self._journal.batch
        batch.add(_DELETE_THROUGH, [(through_seq,)])
        batch.add(_ACKED, [(str(through_seq),)])
