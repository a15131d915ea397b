"""Fixtures for the sync client's tests: CURVE keys in ``tmp_path``, the test gateway
peer on loopback, a real store, and a game loop's worth of frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sync_game import FAST, Game
from sync_test_gateway import Keys, TestGateway

from engine_bridge.sync.config import SyncConfig, SyncTuning


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
