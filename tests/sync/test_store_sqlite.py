"""What only the SQLite store does: it refuses (StoreUnavailableError) rather than
acknowledge into a file that is gone or locked, keeps to the thread that opened it, and
keeps its file in WAL mode."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from aicore_gateway.stores import AppendResult, StoreUnavailableError, open_store
from aicore_gateway.stores.sqlite_store import SqliteGatewayStore

CLIENT = "alice/pc-1"


def one(seq: int) -> list[tuple[int, str, bytes]]:
    return [(seq, "event.custom", b"\x90")]


def test_removing_the_database_folder_makes_the_store_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "gateway"
    store = SqliteGatewayStore(folder / "gateway.db")
    try:
        assert store.append(CLIENT, one(1)) == AppendResult(1, 1, 0, None)
        shutil.rmtree(folder)
        # The open file would still take writes (an unlinked inode): they would vanish at
        # close, so the store refuses to acknowledge them.
        with pytest.raises(StoreUnavailableError, match="gone"):
            store.ping()
        with pytest.raises(StoreUnavailableError):
            store.append(CLIENT, one(2))
    finally:
        store.close()


def test_a_database_file_replaced_under_the_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    store = SqliteGatewayStore(path)
    try:
        store.append(CLIENT, one(1))
        path.rename(tmp_path / "moved.db")
        sqlite3.connect(path).close()  # a different, empty file now has the name
        with pytest.raises(StoreUnavailableError, match="replaced"):
            store.ping()
        with pytest.raises(StoreUnavailableError):
            store.acked_through(CLIENT)
    finally:
        store.close()


def test_a_write_lock_held_past_the_busy_timeout_is_unavailability(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    store = SqliteGatewayStore(path, busy_timeout_s=0.05)
    other = sqlite3.connect(path, isolation_level=None)  # another gateway's connection
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailableError, match="SQLITE_BUSY"):
            store.append(CLIENT, one(1))
        with pytest.raises(StoreUnavailableError):
            store.ping()
        other.execute("COMMIT")
        # Nothing was stored by the refused call; the resend is stored once.
        assert store.append(CLIENT, one(1)) == AppendResult(1, 1, 0, None)
        store.ping()
    finally:
        other.close()
        store.close()


def test_the_store_belongs_to_the_thread_that_opened_it(tmp_path: Path) -> None:
    store = SqliteGatewayStore(tmp_path / "gateway.db")
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            store.append(CLIENT, one(1))
        except BaseException as e:
            errors.append(e)

    try:
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(timeout=30)
        assert len(errors) == 1
        assert isinstance(errors[0], sqlite3.ProgrammingError)
        assert store.acked_through(CLIENT) == 0
    finally:
        store.close()


def test_the_file_is_in_wal_mode_with_a_versioned_schema(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    SqliteGatewayStore(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        conn.execute("PRAGMA user_version = 2")
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(ValueError, match="newer"):
        SqliteGatewayStore(path)


def test_open_store_picks_the_backend_from_the_url(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 'sub' / 'gateway.db'}")
    try:
        assert isinstance(store, SqliteGatewayStore)
        assert (tmp_path / "sub" / "gateway.db").exists()
    finally:
        store.close()
    for url in ("sqlite:", "sqlite::memory:", "mysql://db/aicore", "/var/lib/gateway.db"):
        with pytest.raises(ValueError, match="store URL"):
            open_store(url)
