"""The outbox: events bound for the cloud, kept in the profile's database until the
sync client (issue #15) has them acknowledged.

Each event gets its ``seq`` on the game thread when it is appended (one more than the
last, across restarts), so the game knows it at once; it is committed with the frame's
batch, in order. A row is ``(seq, kind, body, created)``, ``body`` being msgpack.
Acknowledged events are deleted, and the highest acknowledged ``seq`` is kept in
``meta`` so that ``seq`` never goes back even when the outbox is empty.

Events the game already holds as msgpack (a frame's engine events, its commands) are
journalled from those bytes (:meth:`Outbox.append_items`): the game thread hands over the
frame's array and which items of it to keep, and the writer thread cuts them out. Nothing
is encoded twice, and the game thread's cost does not grow with the events' size.

The outbox is not part of a save: loading one does not take back events that happened.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import msgpack

from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.store.encoding import UnencodableError, decode, encode
from engine_bridge.store.errors import NotPlainDataError
from engine_bridge.store.journal import Journal

__all__ = ["Outbox", "OutboxEvent", "is_msgpack_array", "next_seq"]

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


def is_msgpack_array(data: bytes) -> bool:
    """Whether ``data`` begins with a msgpack array's header (what
    :meth:`Outbox.append_items` takes)."""
    return bool(data) and (0x90 <= data[0] <= 0x9F or data[0] in (0xDC, 0xDD))


class _ItemsOfArray:
    """The outbox rows of chosen items of one msgpack array, cut out when iterated (on
    the writer thread, by ``executemany``). Iterable again and again: a commit that is
    retried reads them anew."""

    __slots__ = ("_created", "_data", "_first_seq", "_picks")

    def __init__(
        self, data: bytes, picks: Sequence[tuple[int, str]], first_seq: int, created: float
    ) -> None:
        self._data = data
        self._picks = picks
        self._first_seq = first_seq
        self._created = created

    def __len__(self) -> int:
        return len(self._picks)

    def __iter__(self) -> Iterator[tuple[int, str, bytes, float]]:
        data = self._data
        unpacker = msgpack.Unpacker(max_buffer_size=max(len(data), 1))
        unpacker.feed(data)
        seq = self._first_seq
        try:
            count = unpacker.read_array_header()
            start = unpacker.tell()
            index = 0
            for wanted, kind in self._picks:
                if not index <= wanted < count:
                    raise ValueError(f"item {wanted} of an array of {count}, or out of order")
                while index <= wanted:
                    begin = start
                    unpacker.skip()
                    start = unpacker.tell()
                    index += 1
                yield (seq, kind, data[begin:start], self._created)
                seq += 1
        except (ValueError, msgpack.UnpackException) as error:
            # An SQLite error of a kind no retry clears, so that the writer rejects this
            # batch (a recorded fault) and goes on with the others.
            refused = sqlite3.DataError(f"outbox item {seq - self._first_seq}: {error}")
            refused.sqlite_errorname = "SQLITE_MISMATCH"
            raise refused from None


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

    def append_items(self, data: bytes, picks: Sequence[tuple[int, str]]) -> int:
        """Record items of ``data``, a msgpack array already encoded (the frame's events as
        the engine sent them), each under its kind: ``picks`` is ``(index in the array,
        kind)``, indices ascending. They get consecutive ``seq``; returns the first. The
        game thread keeps a reference to ``data`` and the writer thread cuts the items out,
        so this costs the same for 1 event or 100. ``data`` must be an array
        (:func:`is_msgpack_array`) whose items are plain data.

        Raises:
            ValueError: ``data`` is not a msgpack array.
        """
        if not is_msgpack_array(data):
            raise ValueError("append_items takes a msgpack array")
        first = self._next
        if picks:
            self._next = first + len(picks)
            self._journal.batch.add_lazy(_INSERT, _ItemsOfArray(data, picks, first, time.time()))
        return first

    def pending(self, after_seq: int = 0, limit: int = 1000) -> list[OutboxEvent]:
        """Committed events with ``seq > after_seq``, oldest first, at most ``limit``
        (read on the calling thread's own connection)."""
        rows = self._reader().execute(
            "SELECT seq, kind, body, created FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        return [OutboxEvent(seq, kind, decode(body), created) for seq, kind, body, created in rows]

    def pending_raw(self, after_seq: int = 0, limit: int = 1000) -> list[tuple[int, str, bytes]]:
        """As :meth:`pending`, but each event as ``(seq, kind, body)`` with ``body`` the
        msgpack bytes kept: what the sync client splices into its messages
        (``encode_stream_message``) without decoding and encoding them again."""
        rows = self._reader().execute(
            "SELECT seq, kind, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        return rows.fetchall()

    def acknowledge(self, through_seq: int) -> None:
        """The cloud has every event up to ``through_seq``: delete them (in the frame's
        batch; call on the game thread)."""
        batch = self._journal.batch
        batch.add(_DELETE_THROUGH, [(through_seq,)])
        batch.add(_ACKED, [(str(through_seq),)])
