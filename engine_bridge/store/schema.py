"""The store's schema: named, ordered migrations recorded in the database itself.

Each migration is a function of a ``sqlite_utils.Database`` run inside one ``BEGIN
IMMEDIATE`` transaction together with its record in ``_migrations`` and ``PRAGMA
user_version`` (so a migration is applied entirely or not at all, and the version can be
read without a query on a table). A database is at version N when the first N migrations
are applied; one at a version above :data:`VERSION` was written by a newer store and is
refused, never touched. Migrations only ever add: a save made by any earlier version
loads (``tests/fixtures/store_v1.db`` is a version-1 save, checked in).

History:

1. ``initial``: ``meta``, ``save_info``, ``npc_memory`` (slot, key, msgpack value),
   ``story_state`` (one msgpack snapshot per story), ``outbox``.
2. ``story_rows``: story state as rows (``stories``, ``story_flags``, ``story_beats``,
   ``story_counts``) instead of one snapshot blob per story, so a flag set in a frame
   writes one row, not the whole story, and tools can query beats; the blobs are
   converted and ``story_state`` dropped.
3. ``npc_memory_maps``: NPC memory as one row per NPC, ``npc_memory(slot, keys,
   memory)``: ``memory`` is the msgpack map of everything the slot remembers, ``keys``
   how many keys it holds (for tools; a slot that remembers nothing has no row). A load
   fetches, decodes and writes one row an NPC instead of one a key (4x fewer for the
   benchmark's world), and a frame writes the whole map of each NPC whose memory
   changed. Every value is decoded and the maps encoded again (a value that does not
   decode raises :class:`BadValueError` naming it: the database is damaged).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import msgpack
from sqlite_utils import Database

from engine_bridge.store.encoding import UnencodableError, decode, encode
from engine_bridge.store.errors import FaultKind, StoreError, StoreFault

__all__ = [
    "MIGRATIONS",
    "SAVED_TABLES",
    "STORE_TABLES",
    "VERSION",
    "BadValueError",
    "migrate",
    "version_of",
]


class BadValueError(ValueError):
    """A stored value a migration had to read does not decode: the database is damaged.
    ``table`` and ``where`` (``slot 3 key 'hp'``) name it; the caller names the file."""

    def __init__(self, table: str, where: str, reason: str) -> None:
        super().__init__(f"a value in {table} does not decode ({reason})")
        self.table = table
        self.where = where


def _initial(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["save_info"].create(
        {"id": int, "slot": str, "profile": str, "saved_at": float, "label": str},
        pk="id",
        not_null={"slot", "profile", "saved_at"},
    )
    db["npc_memory"].create(
        {"slot": int, "key": str, "value": bytes}, pk=("slot", "key"), not_null={"value"}
    )
    db["story_state"].create({"story": str, "snapshot": bytes}, pk="story")
    db["outbox"].create(
        {"seq": int, "kind": str, "body": bytes, "created": float},
        pk="seq",
        not_null={"kind", "body", "created"},
    )


def _story_rows(db: Database) -> None:
    db["stories"].create({"story": str, "title": str, "version": int}, pk="story")
    db["story_flags"].create(
        {"story": str, "flag": str, "value": bytes}, pk=("story", "flag"), not_null={"value"}
    )
    db["story_beats"].create(
        {"story": str, "beat": str, "position": int}, pk=("story", "beat"), not_null={"position"}
    )
    db["story_counts"].create(
        {"story": str, "beat": str, "count": int}, pk=("story", "beat"), not_null={"count"}
    )
    for name, blob in db.execute("SELECT story, snapshot FROM story_state").fetchall():
        snapshot = msgpack.unpackb(blob, raw=False)
        db.execute(
            "INSERT INTO stories(story, title, version) VALUES (?, ?, ?)",
            (name, snapshot["story"], snapshot["v"]),
        )
        db.conn.executemany(
            "INSERT INTO story_flags(story, flag, value) VALUES (?, ?, ?)",
            [(name, flag, encode(value)) for flag, value in snapshot["flags"].items()],
        )
        db.conn.executemany(
            "INSERT INTO story_beats(story, beat, position) VALUES (?, ?, ?)",
            [(name, beat, i) for i, beat in enumerate(snapshot["completed"])],
        )
        db.conn.executemany(
            "INSERT INTO story_counts(story, beat, count) VALUES (?, ?, ?)",
            [(name, beat, n) for beat, n in snapshot["counts"].items()],
        )
    db["story_state"].drop()


def _npc_memory_maps(db: Database) -> None:
    db["npc_memory_maps"].create(
        {"slot": int, "keys": int, "memory": bytes}, pk="slot", not_null={"keys", "memory"}
    )
    maps: dict[int, dict[str, object]] = {}
    rows = db.execute("SELECT slot, key, value FROM npc_memory ORDER BY slot, key")
    for slot, key, value in rows:
        try:
            maps.setdefault(slot, {})[key] = decode(value)
        except (ValueError, TypeError) as error:
            raise BadValueError("npc_memory", f"slot {slot} key {key!r}", str(error)) from None
    converted = []
    for slot, memory in maps.items():
        try:
            converted.append((slot, len(memory), encode(memory)))  # type: ignore[arg-type]
        except UnencodableError as bad:  # (what decodes encodes: a guard, not a path)
            raise BadValueError("npc_memory", f"slot {slot} at {bad.where}", str(bad)) from None
    db.conn.executemany(
        "INSERT INTO npc_memory_maps(slot, keys, memory) VALUES (?, ?, ?)", converted
    )
    db["npc_memory"].drop()
    db.rename_table("npc_memory_maps", "npc_memory")


MIGRATIONS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("initial", _initial),
    ("story_rows", _story_rows),
    ("npc_memory_maps", _npc_memory_maps),
)
VERSION = len(MIGRATIONS)

# What a save holds and a load puts back: the play-through. The outbox is not in it:
# events that happened are owed to the cloud whichever save is loaded afterwards.
SAVED_TABLES: tuple[str, ...] = (
    "npc_memory",
    "stories",
    "story_flags",
    "story_beats",
    "story_counts",
)

# Every table the migrations make. The live database holds others too (the lore index,
# built by engine_bridge/content/knowledge.py): a save drops them, as it is of the
# play-through alone.
STORE_TABLES: frozenset[str] = frozenset(
    {*SAVED_TABLES, "meta", "save_info", "outbox", "_migrations"}
)


def version_of(conn: sqlite3.Connection) -> int:
    """The schema version of the database ``conn`` is open on (0: a new database)."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, path: Path, *, upto: int = VERSION) -> int:
    """Apply the migrations ``conn``'s database lacks, up to version ``upto``; returns
    the version it was at. ``conn`` must be in autocommit mode (``isolation_level=None``).

    Raises:
        StoreError: ``schema`` if the database is from a newer store, or its recorded
            migrations are not this store's.
        BadValueError: a value a migration converts does not decode (the database is
            damaged; nothing of that migration is applied).
        sqlite3.Error: the database could not be written (the caller classifies it).
    """
    before = version_of(conn)
    if before > VERSION:
        raise StoreError(
            StoreFault(
                kind=FaultKind.SCHEMA,
                file=str(path),
                operation="migrate",
                reason=f"schema version {before} was written by a newer store "
                f"(this one reads up to {VERSION})",
            )
        )
    db = Database(conn)
    if before:
        recorded = [name for (name,) in conn.execute("SELECT name FROM _migrations ORDER BY id")]
        expected = [name for name, _ in MIGRATIONS[:before]]
        if recorded != expected:
            raise StoreError(
                StoreFault(
                    kind=FaultKind.SCHEMA,
                    file=str(path),
                    operation="migrate",
                    reason=f"recorded migrations {recorded} are not this store's {expected}",
                )
            )
    for number in range(before + 1, upto + 1):
        name, apply = MIGRATIONS[number - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            if number == 1:
                db["_migrations"].create(
                    {"id": int, "name": str, "applied_at": float}, pk="id", not_null={"name"}
                )
            apply(db)
            conn.execute(
                "INSERT INTO _migrations(id, name, applied_at) VALUES (?, ?, ?)",
                (number, name, time.time()),
            )
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return before
