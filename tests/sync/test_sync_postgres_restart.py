"""PostgreSQL restarted under load: the game's sync client streams through a real gateway
process while the tests' PostgreSQL server stops and starts again. The gateway answers
``unavailable`` (never an ack) while it is down, ``/readyz`` says so and then says it is
back, the pool reconnects by itself, and nothing acknowledged is lost or applied twice.
(``test_gateway_process.py`` covers a restart with a client that waits; this one keeps
events flowing through it.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgpack
from aicore_gateway.stores import open_store
from gw_process import Gateway, game_keys_folder, make_keys, running_gateway
from postgres_server import PostgresServer
from store_rows import stored_events
from sync_game import FAST, Game

from engine_bridge.sync.config import SyncConfig

WAIT_S = 60.0
# While the server is away each store call waits out the pool's acquire timeout (5 s)
# before it answers "unavailable"; a client with a short heartbeat gives its connection
# up first and says hello again (its reconnects), one with a long one hears the refusal
# and waits retry_after_ms: either way it sends again, and this test holds for both.
GATEWAY_OPTIONS = ("--heartbeat-ms", "200", "--retry-after-ms", "100", "--log-level", "WARNING")


def _play_until(game: Game, condition: Callable[[], bool], what: str) -> None:
    """Frames with events (the game plays on whatever the network does) until
    ``condition()``, asked every tenth frame."""
    deadline = time.monotonic() + WAIT_S
    frames = 0
    while frames % 10 or not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_S:g} s for {what}"
        game.frame(events=5)
        frames += 1
        time.sleep(0.002)


def _ready(gateway: Gateway) -> int:
    return gateway.get("/readyz")[0]


def test_postgresql_restarted_under_load_loses_nothing_and_readyz_follows(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    keys = make_keys(tmp_path)
    game_keys = game_keys_folder(keys, tmp_path / "game-keys")
    log = tmp_path / "gateway.log"
    with running_gateway(keys, postgres_url, log, GATEWAY_OPTIONS) as gateway:
        game = Game(
            tmp_path / "saves", SyncConfig(gateway.endpoint, keys_dir=game_keys, tuning=FAST)
        )
        try:
            _play_until(game, lambda: game.client.metrics.acked_through >= 100, "the stream")
            assert _ready(gateway) == 200
            acked_before = game.client.metrics.acked_through
            postgres_server.stop()
            try:
                _play_until(game, lambda: _ready(gateway) == 503, "/readyz to say not ready")
                _play_until(
                    game,
                    lambda: gateway.metric("aicore_gateway_rejects_total", code="unavailable") > 0,
                    "the gateway to refuse the events it cannot store",
                )
                during = game.client.metrics.acked_through
            finally:
                postgres_server.start()
            _play_until(game, lambda: _ready(gateway) == 200, "/readyz to say ready again")
            _play_until(
                game, lambda: game.client.metrics.acked_through > during, "acks after the restart"
            )
            game.run_until(lambda: game.pending() == 0, timeout=WAIT_S)
            metrics = game.client.metrics
            client = game.client.client
        finally:
            game.close()
        assert gateway.get("/healthz")[0] == 200  # the loop turned all along

    events = len(game.appended)
    assert metrics.faults  # the client noticed (refused, or its connection given up)
    assert metrics.acked_through == metrics.acknowledged_through == events
    assert during >= acked_before  # nothing acked went backwards
    store = open_store(postgres_url)
    try:
        # A COMMIT whose answer the restart cut off came back as duplicates, not twice.
        assert store.acked_through(client) == events
        assert store.effects(client) == {"event.custom": events}
    finally:
        store.close()
    bodies = [msgpack.unpackb(body) for _, _, body in stored_events(postgres_url, client)]
    assert bodies == game.appended
