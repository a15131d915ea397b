"""Fixtures for the store's tests: a store on a real SQLite file in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine_bridge.store import Store, StoreConfig

# Retries come quickly in tests; nothing here waits on the clock for its verdict.
FAST = StoreConfig(retry_interval_s=0.01)


@pytest.fixture
def save_root(tmp_path: Path) -> Path:
    return tmp_path / "saves"


@pytest.fixture
def store(save_root: Path) -> Iterator[Store]:
    opened = Store.open(save_root, "player", FAST)
    yield opened
    opened.close()


def _reopen(store: Store) -> Store:
    store.close()
    return Store.open(store.paths.root, store.paths.profile, FAST)


@pytest.fixture
def reopen() -> Callable[[Store], Store]:
    """Close a store and open its profile again: what a restart of the game does."""
    return _reopen
