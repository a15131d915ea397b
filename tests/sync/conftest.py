"""Fixtures for the gateway's stores: each contract test runs against a SQLite file in
``tmp_path`` and against a real PostgreSQL server that the tests start themselves
(``postgres_server.py``; a fresh database per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aicore_gateway.stores import GatewayStore, open_store

OpenStore = Callable[[], GatewayStore]


@pytest.fixture(params=["sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL for :func:`open_store`, empty at the start of the test."""
    return f"sqlite:{tmp_path / 'gateway.db'}"


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
