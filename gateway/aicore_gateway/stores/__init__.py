"""Where the gateway keeps what clients send: one interface (:mod:`.base`), SQLite
(:mod:`.sqlite_store`) and PostgreSQL (:mod:`.postgres_store`) behind it, and
:func:`open_store` that picks one from a URL."""

from __future__ import annotations

from .base import AppendResult, CloudSave, GatewayStore, StoreUnavailableError

__all__ = [
    "AppendResult",
    "CloudSave",
    "GatewayStore",
    "StoreUnavailableError",
    "open_store",
]

_SQLITE = "sqlite:"
_POSTGRESQL = ("postgresql://", "postgres://")


def open_store(url: str) -> GatewayStore:
    """Open the store ``url`` names: ``sqlite:PATH`` (a file, created when missing) or a
    libpq URL ``postgresql://user@host:port/dbname?...`` (``postgres://`` too). Raises
    :class:`ValueError` for anything else, :class:`StoreUnavailableError` when the store
    cannot be reached."""
    if url.startswith(_SQLITE):
        path = url[len(_SQLITE) :]
        if not path or path == ":memory:":
            raise ValueError(
                f"store URL {url!r}: sqlite: needs a file path (acks promise durability, "
                "so no in-memory database)"
            )
        from .sqlite_store import SqliteGatewayStore

        return SqliteGatewayStore(path)
    if url.startswith(_POSTGRESQL):
        # Imported here: psycopg is the gateway's "postgresql" extra.
        from .postgres_store import PostgresGatewayStore

        return PostgresGatewayStore(url)
    raise ValueError(
        f"store URL {url!r}: expected sqlite:PATH or postgresql://... "
        "(e.g. sqlite:/var/lib/aicore/gateway.db, postgresql://gateway@db.example/aicore)"
    )
