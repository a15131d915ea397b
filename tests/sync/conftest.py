"""Fixtures for sync's tests. The gateway's stores: each contract test runs against a
SQLite file in ``tmp_path`` and against a real PostgreSQL server that the tests start
themselves (``postgres_server.py``; one server per session, a fresh database per test).
The sync client: CURVE keys in ``tmp_path``, the test gateway peer on loopback
(``sync_test_gateway.py``), a real store, and a game loop's worth of frames
(``sync_game.py``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aicore_gateway.stores import GatewayStore, open_store
from postgres_server import PostgresServer, PostgresServerError
from sync_game import FAST, Game
from sync_test_gateway import Keys, TestGateway

from engine_bridge.sync.config import SyncConfig, SyncTuning

OpenStore = Callable[[], GatewayStore]
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own for the session; stopped and removed at the end.
    It cannot start: every test using it fails with the reason (never skips)."""
    server: PostgresServer | None = None
    try:
        server = PostgresServer.create()
    except PostgresServerError as e:
        reason = str(e)
    if server is None:
        pytest.fail(f"the tests' PostgreSQL server did not start: {reason}", pytrace=False)
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty database on the session's server. A test that stops the
    server starts it again before it ends (``postgres_server.start()``)."""
    if not postgres_server.is_running():
        postgres_server.start()  # a previous test failed before restarting it
    return postgres_server.create_database(f"test_{next(_database_numbers)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL for :func:`open_store`, empty at the start of the test."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def open_gateway_store(store_url: str) -> Iterator[OpenStore]:
    """Open (again) the test's store; every store opened is closed at the end."""
    opened: list[GatewayStore] = []

    def open_one() -> GatewayStore:
        store = open_store(store_url)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def gateway_store(open_gateway_store: OpenStore) -> GatewayStore:
    return open_gateway_store()


# -- the sync client ------------------------------------------------------------------


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys.make(tmp_path / "keys")


@pytest.fixture
def gateway(keys: Keys) -> Iterator[TestGateway]:
    peer = TestGateway(keys).start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def save_root(tmp_path: Path) -> Path:
    return tmp_path / "saves"


@pytest.fixture
def open_game(save_root: Path, keys: Keys) -> Iterator[Callable[..., Game]]:
    """Open the profile with a sync client to ``endpoint`` (closed at the end)."""
    games: list[Game] = []

    def _open(endpoint: str, tuning: SyncTuning = FAST) -> Game:
        game = Game(save_root, SyncConfig(endpoint, keys_dir=keys.game_dir, tuning=tuning))
        games.append(game)
        return game

    try:
        yield _open
    finally:
        for game in games:
            game.close()  # idempotent: a test may have closed it (a restart)
