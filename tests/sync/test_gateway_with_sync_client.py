"""The game's own sync client (``engine_bridge/sync/client.py``, with a real profile
store) against the real ``aicore-gateway`` process: the outbox drains into the gateway's
SQLite file, every event once, and a gateway killed mid-stream and started again loses
nothing and applies nothing twice."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from urllib.parse import urlsplit

import msgpack
import pytest
from aicore_gateway.stores import open_store
from gw_process import Keys, make_keys, running_gateway
from store_rows import stored_events
from sync_game import FAST, Game

from engine_bridge.sync.config import SyncConfig


@pytest.fixture
def gateway_keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture
def game_keys(gateway_keys: Keys, tmp_path: Path) -> Path:
    """The game's keys folder: the gateway's public key and alice's pair, nothing else."""
    folder = tmp_path / "game-keys"
    folder.mkdir()
    shutil.copy(gateway_keys.folder / "gateway.key", folder / "gateway.key")
    shutil.copy(gateway_keys.client_folder / "alice.key_secret", folder / "alice.key_secret")
    return folder


def _bodies(url: str, client: str) -> list[object]:
    return [msgpack.unpackb(body) for _, _, body in stored_events(url, client)]


def test_the_games_outbox_drains_into_the_gateway(
    gateway_keys: Keys, game_keys: Path, tmp_path: Path
) -> None:
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        game = Game(
            tmp_path / "saves", SyncConfig(gateway.endpoint, keys_dir=game_keys, tuning=FAST)
        )
        try:
            for _ in range(20):
                game.frame(events=25)
            game.run_until(lambda: game.pending() == 0)
            client = game.client.client
        finally:
            game.close()
        assert client.startswith("alice/")
        assert gateway.metric("aicore_gateway_events_stored_total") == 500
    assert _bodies(url, client) == [{"n": n} for n in range(500)]


def test_a_gateway_killed_mid_stream_and_restarted_loses_nothing_applies_nothing_twice(
    gateway_keys: Keys, game_keys: Path, tmp_path: Path
) -> None:
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    game: Game | None = None
    try:
        with running_gateway(gateway_keys, url, tmp_path / "first.log") as first:
            endpoint = first.endpoint
            config = SyncConfig(endpoint, keys_dir=game_keys, tuning=FAST)
            game = Game(tmp_path / "saves", config)
            for _ in range(10):
                game.frame(events=30)
            game.run_until(lambda: game.pending() < 300)  # some acknowledged, not all
            first.signal(signal.SIGKILL)
            assert first.wait() == -signal.SIGKILL
        for _ in range(10):  # the game plays on offline
            game.frame(events=30)
        port = urlsplit(endpoint).port
        extra = ["--bind", f"tcp://127.0.0.1:{port}"]  # where the game looks for it
        with running_gateway(gateway_keys, url, tmp_path / "second.log", extra) as second:
            game.run_until(lambda: game.pending() == 0)
            client = game.client.client
            second.signal(signal.SIGTERM)
            assert second.wait() == 0
    finally:
        if game is not None:
            game.close()
    assert _bodies(url, client) == [{"n": n} for n in range(600)]
    store = open_store(url)
    try:
        assert store.effects(client) == {"event.custom": 600}
        assert store.acked_through(client) == 600
    finally:
        store.close()
