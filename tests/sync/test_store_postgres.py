"""What only the PostgreSQL store does: it answers StoreUnavailableError while its server
is away, its pool comes back by itself when the server does, and a restart under load
loses nothing it acknowledged. All against the tests' own real server."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from aicore_gateway.stores import AppendResult, StoreUnavailableError
from aicore_gateway.stores.postgres_store import PostgresGatewayStore
from postgres_server import PostgresServer, PostgresServerError, find_bin_dir
from store_rows import stored_events

CLIENT = "alice/pc-1"
WAIT_S = 30.0


def batch(first: int, size: int) -> list[tuple[int, str, bytes]]:
    return [(seq, "event.custom", seq.to_bytes(4, "big")) for seq in range(first, first + size)]


def wait_until_answering(store: PostgresGatewayStore) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            store.ping()
            return
        except StoreUnavailableError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def test_a_stopped_server_is_unavailability_until_it_is_back(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = PostgresGatewayStore(postgres_url, acquire_timeout_s=1.0)
    try:
        assert store.append(CLIENT, batch(1, 10)) == AppendResult(10, 10, 0, None)
        postgres_server.stop()
        try:
            with pytest.raises(StoreUnavailableError):
                store.ping()
            with pytest.raises(StoreUnavailableError):
                store.append(CLIENT, batch(11, 10))
            with pytest.raises(StoreUnavailableError):
                store.acked_through(CLIENT)
        finally:
            postgres_server.start()
        # The same store (its pool) reconnects by itself: no reopening.
        wait_until_answering(store)
        assert store.acked_through(CLIENT) == 10
        assert store.append(CLIENT, batch(11, 10)) == AppendResult(20, 10, 0, None)
    finally:
        store.close()


def test_a_restart_under_load_loses_nothing_acknowledged(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    store = PostgresGatewayStore(postgres_url, acquire_timeout_s=1.0)
    refused = threading.Event()
    restart_errors: list[BaseException] = []

    def restart() -> None:
        try:
            postgres_server.stop()
            # Down until the appending loop has met the outage: no race on how fast it is.
            refused.wait(WAIT_S)
            postgres_server.start()
        except BaseException as e:
            restart_errors.append(e)

    acked = 0
    unavailable = 0
    successes_after = 0
    restarter = threading.Thread(target=restart, name="restart-postgres")
    try:
        for _ in range(5):
            acked = store.append(CLIENT, batch(acked + 1, 100)).acked_through
        restarter.start()
        deadline = time.monotonic() + 2 * WAIT_S
        while successes_after < 20 and time.monotonic() < deadline:
            try:
                result = store.append(CLIENT, batch(acked + 1, 100))
            except StoreUnavailableError:
                unavailable += 1
                refused.set()
                continue
            assert result.gap_at is None
            assert result.acked_through >= acked + 100  # anything else is lost acks
            acked = result.acked_through
            successes_after += unavailable > 0
    finally:
        refused.set()
        restarter.join(timeout=2 * WAIT_S)
        store.close()
    assert not restart_errors
    assert unavailable > 0
    assert successes_after == 20

    again = PostgresGatewayStore(postgres_url)
    try:
        # A COMMIT whose answer the restart cut off may have landed: never less than acked.
        through = again.acked_through(CLIENT)
        assert through >= acked
        assert again.effects(CLIENT) == {"event.custom": through}
    finally:
        again.close()
    seqs = [seq for seq, _, _ in stored_events(postgres_url, CLIENT)]
    assert seqs == list(range(1, through + 1))


def test_a_server_that_never_answers_is_unavailability_at_open() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nobody listens on the port now (bound, then released).
    with pytest.raises(StoreUnavailableError, match="no connection"):
        PostgresGatewayStore(
            f"postgresql://postgres@127.0.0.1:{port}/aicore", acquire_timeout_s=0.5
        )


def test_missing_server_binaries_are_named_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "15").mkdir()
    with pytest.raises(PostgresServerError, match="install_system_packages"):
        find_bin_dir(tmp_path)
    assert find_bin_dir().name == "bin"  # the package is installed here
