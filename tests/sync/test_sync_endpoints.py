"""Several gateway endpoints in one ``SyncConfig`` (gateways sharing one database): the
client starts at a random one of them and moves to the next when a connection is given
up. Against the test gateway peer and a port nobody listens on; the real gateways on
one PostgreSQL are ``test_sync_scale_out.py``'s."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sync_game import FAST, Game
from sync_test_gateway import Keys, TestGateway

from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.metrics import SyncFaultKind

# Three heartbeats (3 s) for a welcome: only an endpoint where nobody listens misses it,
# however slow the machine.
TUNING = replace(FAST, heartbeat_s=1.0)


@pytest.fixture
def nobody() -> str:
    """An endpoint where nothing listens (a port bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def games() -> Iterator[list[Game]]:
    opened: list[Game] = []
    try:
        yield opened
    finally:
        for game in opened:
            game.close()


def _first_index(seed: int, endpoints: int) -> int:
    """The first gateway a client with this seed tries (its rng's first draw)."""
    return random.Random(seed).randrange(endpoints)


def test_a_comma_separated_endpoint_names_several_gateways(tmp_path: Path) -> None:
    config = SyncConfig("tcp://gw1:7700, tcp://gw2:7700", keys_dir=tmp_path)
    assert config.endpoints == ("tcp://gw1:7700", "tcp://gw2:7700")
    assert SyncConfig("tcp://gw1:7700", keys_dir=tmp_path).endpoints == ("tcp://gw1:7700",)
    with pytest.raises(ValueError, match="'gw2:7700' is not transport://address"):
        SyncConfig("tcp://gw1:7700,gw2:7700", keys_dir=tmp_path)
    with pytest.raises(ValueError, match="is not transport://address"):
        SyncConfig("tcp://gw1:7700,", keys_dir=tmp_path)


def test_a_gateway_that_does_not_answer_is_left_for_the_next(
    gateway: TestGateway, keys: Keys, nobody: str, save_root: Path, games: list[Game]
) -> None:
    seed = next(s for s in range(100) if _first_index(s, 2) == 0)  # starts at nobody's
    config = SyncConfig(f"{nobody},{gateway.endpoint}", keys_dir=keys.game_dir, tuning=TUNING)
    game = Game(save_root, config, seed=seed)
    games.append(game)
    for _ in range(10):
        game.frame(events=10)

    game.run_until(lambda: game.pending() == 0)

    metrics = game.client.metrics
    assert metrics.endpoint == gateway.endpoint
    assert metrics.faults.get(SyncFaultKind.NO_WELCOME, 0) >= 1  # it tried nobody first
    with gateway.lock:
        assert [seq for seq, _, _ in gateway.stored[game.client.client]] == list(range(1, 101))


def test_the_first_gateway_is_drawn_so_that_games_spread(
    gateway: TestGateway, keys: Keys, nobody: str, save_root: Path, games: list[Game]
) -> None:
    seed = next(s for s in range(100) if _first_index(s, 2) == 1)  # starts at the gateway's
    config = SyncConfig(f"{nobody},{gateway.endpoint}", keys_dir=keys.game_dir, tuning=TUNING)
    game = Game(save_root, config, seed=seed)
    games.append(game)
    game.frame(events=5)

    game.run_until(lambda: game.pending() == 0)

    metrics = game.client.metrics
    assert metrics.endpoint == gateway.endpoint
    assert metrics.faults.get(SyncFaultKind.NO_WELCOME, 0) == 0  # nobody's was never tried
    starts = {_first_index(s, 3) for s in range(20)}
    assert starts == {0, 1, 2}  # over many games every gateway gets some


def test_the_client_goes_round_the_list_until_a_gateway_answers(
    gateway: TestGateway, keys: Keys, nobody: str, save_root: Path, games: list[Game]
) -> None:
    gateway.stop()  # both away: the client keeps trying each in turn
    config = SyncConfig(f"{gateway.endpoint},{nobody}", keys_dir=keys.game_dir, tuning=FAST)
    game = Game(save_root, config, seed=3)
    games.append(game)
    game.frame(events=5)
    game.run_until(lambda: game.client.metrics.faults.get(SyncFaultKind.NO_WELCOME, 0) >= 3)
    assert game.pending() == 5

    gateway.start()  # back on its port
    game.run_until(lambda: game.pending() == 0)
    assert game.client.metrics.endpoint == gateway.endpoint
