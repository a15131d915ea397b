"""The gateway's store on PostgreSQL (psycopg 3 and a connection pool): for production and
for several gateways sharing one database. ``docs/sync.md`` ("Stores") documents the
schema and how to run it on a managed or replicated server.

Exactly-once across gateways: an append is one transaction that first locks the stream's
row (``SELECT ... FOR UPDATE``, after ``INSERT ... ON CONFLICT DO NOTHING`` makes it exist),
so a second gateway appending the same stream waits and then reads the ``acked_through``
the first committed. The events go in with ``COPY`` (binary), the effects and the new
``acked_through`` in the same transaction.

Any connection failure (the server down, restarting, failing over, a pool that cannot
hand out a connection in ``acquire_timeout_s``) is :class:`StoreUnavailableError`: the
transaction did not commit or its outcome is unknown, and either way the client's resend
is safe (a stored frame comes back as a duplicate). The pool replaces broken connections
and reconnects by itself once the server answers again.

Thread-safe: each call takes its own connection from the pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from .append_plan import plan_append
from .base import AppendResult, CloudSave, StoreUnavailableError
from .save_heads import SAVE_COLUMNS, save_row, with_conflict

__all__ = ["SCHEMA_VERSION", "PostgresGatewayStore"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# pg_advisory_xact_lock key serialising schema creation by gateways starting together
# (CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin).
_SCHEMA_LOCK = 0x41_49_43_47_57_53  # "AICGWS"
_READ_ONLY_SQLSTATE = "25006"  # a standby (after a failover, or the wrong host)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    client TEXT PRIMARY KEY,
    acked_through BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    client TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    body BYTEA NOT NULL,
    received DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client, seq)
);
CREATE TABLE IF NOT EXISTS effects (
    client TEXT NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (client, kind)
);
CREATE TABLE IF NOT EXISTS saves (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner TEXT NOT NULL,
    slot TEXT NOT NULL,
    stream TEXT NOT NULL,
    saved_at DOUBLE PRECISION NOT NULL,
    sha256 TEXT NOT NULL,
    parent_sha256 TEXT,
    data BYTEA NOT NULL,
    conflict_of TEXT,
    uploaded DOUBLE PRECISION NOT NULL,
    UNIQUE (owner, slot, sha256)
);
CREATE INDEX IF NOT EXISTS saves_by_owner ON saves (owner, id);
CREATE INDEX IF NOT EXISTS saves_by_slot ON saves (owner, slot, id);
CREATE TABLE IF NOT EXISTS gateway_schema (
    version INTEGER NOT NULL
);
"""

_SAVE_COLUMNS = "owner, slot, stream, saved_at, sha256, parent_sha256, data, conflict_of"
_LOCK_STREAM = "SELECT acked_through FROM streams WHERE client = %s FOR UPDATE"
_COPY_EVENTS = "COPY events (client, seq, kind, body, received) FROM STDIN (FORMAT BINARY)"
_EVENT_TYPES = ("text", "int8", "text", "bytea", "float8")


class PostgresGatewayStore:
    """:class:`~aicore_gateway.stores.base.GatewayStore` on the PostgreSQL database
    ``conninfo`` (a libpq URL or ``key=value`` string). The tables are created when
    missing. Raises :class:`StoreUnavailableError` when the server cannot be reached
    within ``acquire_timeout_s``.

    ``prepare_threshold`` is psycopg's: statements run that often become server-side
    prepared statements; ``None`` turns that off (a pgbouncer older than 1.21 in
    transaction mode needs it off)."""

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 4,
        acquire_timeout_s: float = 5.0,
        reconnect_timeout_s: float = 10.0,
        connect_timeout_s: int = 5,
        prepare_threshold: int | None = 5,
    ) -> None:
        kwargs: dict[str, object] = {"autocommit": True, "prepare_threshold": prepare_threshold}
        if "connect_timeout" not in conninfo_to_dict(conninfo):
            # Without it libpq waits for an unreachable host as long as TCP does.
            kwargs["connect_timeout"] = connect_timeout_s
        self._closed = False
        self._acquire_timeout_s = acquire_timeout_s
        # check: a connection the server dropped while it sat in the pool (a restart)
        # is found and replaced before it is handed out. reconnect_timeout: the pool
        # backs off exponentially while the server is away; giving up after this long
        # starts a fresh attempt (1 s delay) at the next request, so a long outage does
        # not leave a long backoff behind it.
        self._pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs=kwargs,
            open=False,
            timeout=acquire_timeout_s,
            reconnect_timeout=reconnect_timeout_s,
            check=ConnectionPool.check_connection,
            name="aicore-gateway-store",
        )
        try:
            self._pool.open(wait=True, timeout=acquire_timeout_s)
            self._create_schema()
        except PoolTimeout as e:
            self._pool.close()
            raise StoreUnavailableError(f"postgresql: no connection to the server: {e}") from e
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """A pooled connection (autocommit: callers open their transaction); errors that
        mean "the server cannot be used now" become :class:`StoreUnavailableError`."""
        if self._closed:
            raise ValueError("the store is closed")
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as e:
            # Connection lost or refused, admin shutdown, pool timeout, lock or statement
            # timeouts, serialization failures: the transaction did not commit (or its
            # COMMIT's answer was lost), so the client's resend is what fixes it.
            raise StoreUnavailableError(f"postgresql: {type(e).__name__}: {e}") from e
        except psycopg.Error as e:
            if e.sqlstate == _READ_ONLY_SQLSTATE:
                raise StoreUnavailableError(f"postgresql: read-only server: {e}") from e
            raise

    def _create_schema(self) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT max(version) FROM gateway_schema").fetchone()
            version = row[0] if row else None
            if version is None:
                conn.execute("INSERT INTO gateway_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            elif version > SCHEMA_VERSION:
                raise ValueError(
                    f"database schema version {version} is newer than this gateway's "
                    f"{SCHEMA_VERSION}"
                )
            setting = conn.execute("SHOW synchronous_commit").fetchone()
        if setting and setting[0] == "off":
            # An ack would then promise what the server has not flushed yet.
            log.warning(
                "postgresql: synchronous_commit is off: a server crash can lose acknowledged "
                "events (set it to on, docs/sync.md 'Stores')"
            )

    # -- streams -------------------------------------------------------------------------

    def append(self, client: str, frames: Sequence[tuple[int, str, bytes]]) -> AppendResult:
        """Store the contiguous frames after the stream's ``acked_through`` and count their
        effects, in one transaction that holds the stream's row lock."""
        with self._connection() as conn, conn.transaction():
            cur = conn.cursor()
            row = cur.execute(_LOCK_STREAM, (client,)).fetchone()
            if row is None:
                # Two gateways may both find no row: one insert wins, the other waits for
                # it and does nothing, then both lock the one row.
                cur.execute(
                    "INSERT INTO streams (client, acked_through) VALUES (%s, 0) "
                    "ON CONFLICT (client) DO NOTHING",
                    (client,),
                )
                row = cur.execute(_LOCK_STREAM, (client,)).fetchone()
                if row is None:  # inserted just now or by the winner; rows are never deleted
                    raise RuntimeError(f"postgresql: the stream row of {client!r} vanished")
            plan = plan_append(int(row[0]), frames)
            if plan.rows:
                received = time.time()
                with cur.copy(_COPY_EVENTS) as copy:
                    copy.set_types(_EVENT_TYPES)
                    for seq, kind, body in plan.rows:
                        copy.write_row((client, seq, kind, body, received))
                cur.executemany(
                    "INSERT INTO effects (client, kind, count) VALUES (%s, %s, %s) "
                    "ON CONFLICT (client, kind) DO UPDATE SET count = effects.count + "
                    "excluded.count",
                    [(client, kind, n) for kind, n in plan.effects.items()],
                )
                cur.execute(
                    "UPDATE streams SET acked_through = %s WHERE client = %s",
                    (plan.acked_through, client),
                )
        return AppendResult(plan.acked_through, len(plan.rows), plan.duplicates, plan.gap_at)

    def acked_through(self, client: str) -> int:
        """The stream's highest contiguous stored seq (0: none)."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT acked_through FROM streams WHERE client = %s", (client,)
            ).fetchone()
        return int(row[0]) if row else 0

    def effects(self, client: str) -> dict[str, int]:
        """Frames stored per kind for ``client``."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT kind, count FROM effects WHERE client = %s ORDER BY kind", (client,)
            ).fetchall()
        return {str(kind): int(count) for kind, count in rows}

    # -- cloud saves ---------------------------------------------------------------------

    def put_save(self, save: CloudSave) -> CloudSave:
        """Keep ``save`` beside the slot's head (``conflict_of`` set when it was not made
        from that head). The slot is locked for the transaction (an advisory lock), so two
        gateways storing saves of one slot at once still see each other's head. Uploading
        the same save again returns the one kept the first time."""
        slot_key = f"{len(save.owner)}:{save.owner}/{save.slot}"
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (slot_key,))
            same = conn.execute(
                f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = %s AND slot = %s AND sha256 = %s",
                (save.owner, save.slot, save.sha256),
            ).fetchone()
            if same is not None:
                return _cloud_save(same)
            head = conn.execute(
                "SELECT sha256 FROM saves WHERE owner = %s AND slot = %s ORDER BY id DESC LIMIT 1",
                (save.owner, save.slot),
            ).fetchone()
            kept = with_conflict(save, str(head[0]) if head else None)
            conn.execute(
                f"INSERT INTO saves ({SAVE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                save_row(kept),
            )
        return kept

    def latest_save(self, owner: str, slot: str | None) -> CloudSave | None:
        """The newest upload of ``owner`` (of ``slot``, or of any slot)."""
        with self._connection() as conn:
            if slot is None:
                row = conn.execute(
                    f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = %s ORDER BY id DESC LIMIT 1",
                    (owner,),
                ).fetchone()
            else:
                row = conn.execute(
                    f"SELECT {_SAVE_COLUMNS} FROM saves WHERE owner = %s AND slot = %s "
                    "ORDER BY id DESC LIMIT 1",
                    (owner, slot),
                ).fetchone()
        return _cloud_save(row) if row else None

    def list_saves(self, owner: str) -> list[CloudSave]:
        """Every save of ``owner``, newest upload first, without its data (``b""``; its
        length in ``size``)."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT owner, slot, stream, saved_at, sha256, parent_sha256, ''::bytea, "
                "conflict_of, octet_length(data) FROM saves WHERE owner = %s ORDER BY id DESC",
                (owner,),
            ).fetchall()
        return [_cloud_save(row) for row in rows]

    # -- health --------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the server answers now and takes
        writes (a standby does not: after a failover the URL may name one)."""
        with self._connection() as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        if row is None or row[0]:
            raise StoreUnavailableError("postgresql: the server is a standby (read-only)")

    def close(self) -> None:
        """Close the pool and its connections."""
        self._closed = True
        self._pool.close()


def _cloud_save(row: tuple[Any, ...]) -> CloudSave:
    owner, slot, stream, saved_at, sha256, parent, data, conflict_of, *size = row
    return CloudSave(
        owner=str(owner),
        slot=str(slot),
        stream=str(stream),
        saved_at=float(saved_at),
        sha256=str(sha256),
        parent_sha256=None if parent is None else str(parent),
        data=bytes(data),
        conflict_of=None if conflict_of is None else str(conflict_of),
        size=int(size[0]) if size else None,
    )
