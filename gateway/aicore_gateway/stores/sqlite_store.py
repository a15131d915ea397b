"""The gateway's store on one SQLite file: for a single gateway (or a few processes on one
machine sharing the file). ``docs/sync.md`` ("Stores") documents the schema.

An ack promises durability, so the file runs in WAL mode with ``synchronous=FULL``: a
commit has reached the disk before :meth:`SqliteGatewayStore.append` returns. Each append
is one ``BEGIN IMMEDIATE`` transaction: it takes the file's write lock before reading the
stream's ``acked_through``, so two processes appending the same stream are serialised and
the second sees what the first stored (exactly-once effects across processes).

One thread: the store belongs to the thread that opened it (the gateway's server loop);
``sqlite3`` refuses a call from any other thread with ``sqlite3.ProgrammingError``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .append_plan import plan_append
from .base import AppendResult, CloudSave, StoreUnavailableError
from .save_heads import SAVE_COLUMNS, save_row, with_conflict

__all__ = ["SCHEMA_VERSION", "UNAVAILABLE_CODES", "SqliteGatewayStore"]

SCHEMA_VERSION = 1

UNAVAILABLE_CODES: frozenset[int] = frozenset(
    {
        sqlite3.SQLITE_BUSY,  # another process held the write lock past busy_timeout
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,  # the file or its directory became read-only
        sqlite3.SQLITE_IOERR,  # the disk failed (every extended IOERR code)
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
"""Primary result codes that mean "the file cannot be written now": the transaction was
rolled back, nothing was stored, the client will resend. Any other error is a bug or a
corrupt file and is raised as it is."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    client TEXT PRIMARY KEY,
    acked_through INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS events (
    client TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    received REAL NOT NULL,
    PRIMARY KEY (client, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS effects (
    client TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (client, kind)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS saves (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    slot TEXT NOT NULL,
    stream TEXT NOT NULL,
    saved_at REAL NOT NULL,
    sha256 TEXT NOT NULL,
    parent_sha256 TEXT,
    data BLOB NOT NULL,
    conflict_of TEXT,
    uploaded REAL NOT NULL,
    UNIQUE (owner, slot, sha256)
) STRICT;
CREATE INDEX IF NOT EXISTS saves_by_owner ON saves (owner, id);
CREATE INDEX IF NOT EXISTS saves_by_slot ON saves (owner, slot, id);
"""

_SAVE_COLUMNS = "owner, slot, stream, saved_at, sha256, parent_sha256, data, conflict_of"
_T = TypeVar("_T")


class SqliteGatewayStore:
    """:class:`~aicore_gateway.stores.base.GatewayStore` on the SQLite file ``path``
    (created with its folder when missing). ``busy_timeout_s``: how long a transaction
    waits for another process's write lock before the call raises
    :class:`StoreUnavailableError`."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = _mapped(lambda: self._connect(busy_timeout_s))
        try:
            _mapped(self._create_schema)
            # Identity of the file we hold open: if it is deleted or replaced (its folder
            # removed, a restore copied over it) our writes would go to an unlinked inode and
            # vanish, so from then on the store refuses instead of acknowledging.
            stat = self.path.stat()
            self._identity = (stat.st_dev, stat.st_ino)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, busy_timeout_s: float) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (the module's implicit
        # BEGIN is DEFERRED, which would read acked_through before holding the write lock).
        conn = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=True
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            mode = _switch_to_wal(conn, busy_timeout_s)
            if mode != "wal":
                raise StoreUnavailableError(f"{self.path}: journal_mode is {mode}, not wal")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _create_schema(self) -> None:
        with self._transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ValueError(
                    f"{self.path}: schema version {version} is newer than this gateway's "
                    f"{SCHEMA_VERSION}"
                )
            # One statement at a time: executescript() would COMMIT the transaction first.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        conn.commit()

    def _check_file(self) -> None:
        try:
            stat = self.path.stat()
        except OSError as e:
            raise StoreUnavailableError(f"{self.path}: the database file is gone ({e})") from e
        if (stat.st_dev, stat.st_ino) != self._identity:
            raise StoreUnavailableError(f"{self.path}: the database file was replaced")

    def _run(self, work: Callable[[], _T]) -> _T:
        self._check_file()
        return _mapped(work)

    # -- streams -------------------------------------------------------------------------

    def append(self, client: str, frames: Sequence[tuple[int, str, bytes]]) -> AppendResult:
        """Store the contiguous frames after the stream's ``acked_through`` and count their
        effects, in one transaction (``base.py`` states the rule)."""
        return self._run(lambda: self._append(client, frames))

    def _append(self, client: str, frames: Sequence[tuple[int, str, bytes]]) -> AppendResult:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT acked_through FROM streams WHERE client = ?", (client,)
            ).fetchone()
            plan = plan_append(row[0] if row else 0, frames)
            if plan.rows:
                received = time.time()
                conn.executemany(
                    "INSERT INTO events (client, seq, kind, body, received) VALUES (?, ?, ?, ?, ?)",
                    [(client, seq, kind, body, received) for seq, kind, body in plan.rows],
                )
                conn.executemany(
                    "INSERT INTO effects (client, kind, count) VALUES (?, ?, ?) "
                    "ON CONFLICT (client, kind) DO UPDATE SET count = count + excluded.count",
                    [(client, kind, n) for kind, n in plan.effects.items()],
                )
                conn.execute(
                    "INSERT INTO streams (client, acked_through) VALUES (?, ?) "
                    "ON CONFLICT (client) DO UPDATE SET acked_through = excluded.acked_through",
                    (client, plan.acked_through),
                )
        return AppendResult(plan.acked_through, len(plan.rows), plan.duplicates, plan.gap_at)

    def acked_through(self, client: str) -> int:
        """The stream's highest contiguous stored seq (0: none)."""

        def read() -> int:
            row = self._conn.execute(
                "SELECT acked_through FROM streams WHERE client = ?", (client,)
            ).fetchone()
            return row[0] if row else 0

        return self._run(read)

    def effects(self, client: str) -> dict[str, int]:
        """Frames stored per kind for ``client``."""
        return self._run(
            lambda: dict(
                self._conn.execute(
                    "SELECT kind, count FROM effects WHERE client = ? ORDER BY kind", (client,)
                ).fetchall()
            )
        )

    # -- cloud saves ---------------------------------------------------------------------

    def put_save(self, save: CloudSave) -> CloudSave:
        """Keep ``save`` beside the slot's head (``conflict_of`` set when it was not made
        from that head). Uploading the same save (owner, slot, sha256) again returns the
        one kept the first time: a resend after a lost reply is not a conflict."""
        return self._run(lambda: self._put_save(save))

    def _put_save(self, save: CloudSave) -> CloudSave:
        with self._transaction() as conn:
            same = conn.execute(
                f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = ? AND slot = ? AND sha256 = ?",
                (save.owner, save.slot, save.sha256),
            ).fetchone()
            if same is not None:
                return CloudSave(*same)
            head = conn.execute(
                "SELECT sha256 FROM saves WHERE owner = ? AND slot = ? ORDER BY id DESC LIMIT 1",
                (save.owner, save.slot),
            ).fetchone()
            kept = with_conflict(save, head[0] if head else None)
            conn.execute(
                f"INSERT INTO saves ({SAVE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                save_row(kept),
            )
        return kept

    def latest_save(self, owner: str, slot: str | None) -> CloudSave | None:
        """The newest upload of ``owner`` (of ``slot``, or of any slot)."""

        def read() -> CloudSave | None:
            if slot is None:
                row = self._conn.execute(
                    f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = ? ORDER BY id DESC LIMIT 1",
                    (owner,),
                ).fetchone()
            else:
                row = self._conn.execute(
                    f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = ? AND slot = ? "
                    "ORDER BY id DESC LIMIT 1",
                    (owner, slot),
                ).fetchone()
            return CloudSave(*row) if row else None

        return self._run(read)

    def list_saves(self, owner: str) -> list[CloudSave]:
        """Every save of ``owner``, newest upload first, without its data (``b""``; its
        length in ``size``)."""
        return self._run(
            lambda: [
                CloudSave(*row)
                for row in self._conn.execute(
                    "SELECT owner, slot, stream, saved_at, sha256, parent_sha256, X'', "
                    "conflict_of, length(data) FROM saves WHERE owner = ? ORDER BY id DESC",
                    (owner,),
                )
            ]
        )

    # -- health --------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the file is still the one opened
        and its write lock can be taken now (within ``busy_timeout_s``)."""

        def probe() -> None:
            with self._transaction() as conn:
                conn.execute("SELECT count(*) FROM streams WHERE client = ''").fetchone()

        self._run(probe)

    def close(self) -> None:
        """Close the file (a checkpoint folds the WAL back when this is the last user)."""
        self._conn.close()


def _switch_to_wal(conn: sqlite3.Connection, busy_timeout_s: float) -> str:
    """Put the file in WAL mode (it stays so) and return the mode it is in. Switching needs
    the file to itself for a moment, and SQLite answers SQLITE_BUSY at once rather than
    wait when another process is switching it too (two gateways starting on a new file):
    retried until ``busy_timeout_s``."""
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as e:
            busy = getattr(e, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)


def _mapped(work: Callable[[], _T]) -> _T:
    """Run ``work``; a SQLite error that means "cannot write now" becomes
    :class:`StoreUnavailableError` (the transaction is already rolled back)."""
    try:
        return work()
    except sqlite3.OperationalError as e:
        code = getattr(e, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in UNAVAILABLE_CODES:
            name = getattr(e, "sqlite_errorname", str(code))
            raise StoreUnavailableError(f"sqlite: {name}: {e}") from e
        raise
