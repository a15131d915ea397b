"""The profile's sync stream: who this database is to the cloud gateway.

The gateway keeps one stream per ``"<key name>/<stream id>"`` and stores its frames in
``seq`` order from 1, each exactly once (``docs/sync.md``). The stream id is a random id
made once per live database and kept in its ``meta`` table, so a restart of the game
resumes the same stream, and two profiles (or two machines sharing a key) never mix
their events.

``base`` is the outbox ``seq`` the stream starts after: a stream's frame ``n`` is the
outbox event ``base + n``. It is 0 for a profile that had a stream from its first event;
a database that gets its stream later (one started from a save with
:meth:`Store.recover <engine_bridge.store.store.Store.recover>`, whose outbox ``seq``
goes on from the save's) starts its new stream at frame 1 all the same, as the gateway
requires.

Neither key is part of a save (``saves.py`` takes them out of the copy, as it empties the
outbox): a profile started from a save is a new stream, never a second writer of the old
one (its frames would collide with what the gateway already holds and be dropped as
duplicates).
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass

from engine_bridge.store.outbox import next_seq

__all__ = ["STREAM_KEYS", "SyncStream", "ensure_sync_stream", "read_sync_stream"]

_ID = "sync_stream_id"
_BASE = "sync_stream_base"
STREAM_KEYS: tuple[str, str] = (_ID, _BASE)
"""The ``meta`` keys of the stream: what a save leaves out."""


@dataclass(frozen=True, slots=True)
class SyncStream:
    """``store.sync_stream``: the stream id and the outbox ``seq`` its frame 1 follows."""

    id: str
    base: int

    def frame_seq(self, outbox_seq: int) -> int:
        """The stream frame's ``seq`` of outbox event ``outbox_seq``."""
        return outbox_seq - self.base

    def outbox_seq(self, frame_seq: int) -> int:
        """The outbox ``seq`` of stream frame ``frame_seq``."""
        return frame_seq + self.base


def read_sync_stream(conn: sqlite3.Connection) -> SyncStream | None:
    """The stream ``conn``'s database holds, or None (it has none yet)."""
    rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", STREAM_KEYS))
    if _ID not in rows:
        return None
    return SyncStream(rows[_ID], int(rows.get(_BASE, 0)))


def ensure_sync_stream(conn: sqlite3.Connection) -> SyncStream:
    """The database's stream, made (and committed) if it has none: a new random id, its
    ``base`` the ``seq`` before the outbox's oldest event (or before the next one, when it
    is empty), so the events still in the outbox are the stream's first frames. ``conn``
    is in autocommit mode (``isolation_level=None``).

    Raises:
        sqlite3.Error: the database could not be written (the caller classifies it).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        stream = read_sync_stream(conn)
        if stream is None:
            (oldest,) = conn.execute("SELECT min(seq) FROM outbox").fetchone()
            first = int(oldest) if oldest is not None else next_seq(conn)
            # 16 random bytes as 32 hex digits: unguessable, and far inside the frame's
            # 128-character client field with any key name the gateway allows.
            stream = SyncStream(secrets.token_hex(16), first - 1)
            conn.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [(_ID, stream.id), (_BASE, str(stream.base))],
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return stream
