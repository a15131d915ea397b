"""The game's sync client and the real gateway through a chaotic network: the chaos
proxy (``chaos_proxy.py``) drops, duplicates, delays and reorders whole messages both
ways, and still the gateway holds every event exactly once, in order, and the outbox
empties. On SQLite and on the tests' real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest
from aicore_gateway.stores import open_store
from chaos_proxy import Chaos, ChaosProxy
from gw_process import Keys, game_keys_folder, gateway_key_pair, make_keys, running_gateway
from store_rows import stored_events
from sync_game import FAST, Game

from engine_bridge.sync.config import SyncConfig

EVENTS = 2_000
FRAMES = 100  # EVENTS over this many frames, sent in batches of FAST.batch_frames
CHAOS = Chaos(drop=0.15, duplicate=0.15, delay=0.15, reorder=0.15, seed=15)
WAIT_S = 120.0  # eventually, however slow the machine: never a measure of speed
# The client takes the gateway's heartbeat from its welcome: a short one, so that a lost
# last acknowledgement is noticed soon (three heartbeats) and the stream sent again.
GATEWAY_OPTIONS = ("--heartbeat-ms", "200", "--log-level", "WARNING")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


def test_every_event_arrives_exactly_once_through_a_chaotic_network(
    keys: Keys, db_url: str, tmp_path: Path
) -> None:
    game_keys = game_keys_folder(keys, tmp_path / "game-keys")
    with running_gateway(keys, db_url, tmp_path / "gateway.log", GATEWAY_OPTIONS) as gateway:
        proxy = ChaosProxy(gateway.endpoint, gateway_key_pair(keys), keys.clients["alice"], CHAOS)
        with proxy:
            config = SyncConfig(proxy.endpoint, keys_dir=game_keys, tuning=FAST)
            game = Game(tmp_path / "saves", config)
            try:
                for _ in range(FRAMES):
                    game.frame(events=EVENTS // FRAMES)
                game.run_until(lambda: game.pending() == 0, timeout=WAIT_S)
                client = game.client.client
                metrics = game.client.metrics
            finally:
                game.close()
            counts = proxy.counts()
        duplicates = gateway.metric("aicore_gateway_duplicates_total")
        stored = gateway.metric("aicore_gateway_events_stored_total")

    # The proxy did what it is for, both ways...
    assert counts.dropped > 0
    assert counts.duplicated > 0
    assert counts.delayed > 0
    assert counts.reordered > 0
    assert counts.not_one_part == 0
    # ...the client coped (gaps refused, lost acknowledgements waited out)...
    assert metrics.acked_through == metrics.acknowledged_through == EVENTS
    assert metrics.frames_resent > 0
    # ...and the gateway applied every event once: the duplicates it saw were not stored.
    assert duplicates > 0
    assert stored == EVENTS
    bodies = [msgpack.unpackb(body) for _, _, body in stored_events(db_url, client)]
    assert bodies == game.appended
    store = open_store(db_url)
    try:
        assert store.acked_through(client) == EVENTS
        assert store.effects(client) == {"event.custom": EVENTS}
    finally:
        store.close()
    print(f"\nchaos proxy: {counts}; client: {metrics.frames_resent} frames resent")


def test_the_proxy_without_chaos_forwards_everything_as_it_came(keys: Keys, tmp_path: Path) -> None:
    """The proxy itself: with no chaos it is a transparent CURVE hop (the gateway
    authenticates the client's key through it)."""
    db_url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    game_keys = game_keys_folder(keys, tmp_path / "game-keys")
    with (
        running_gateway(keys, db_url, tmp_path / "gateway.log") as gateway,
        ChaosProxy(gateway.endpoint, gateway_key_pair(keys), keys.clients["alice"], Chaos()) as p,
    ):
        game = Game(tmp_path / "saves", SyncConfig(p.endpoint, keys_dir=game_keys, tuning=FAST))
        try:
            for _ in range(10):
                game.frame(events=10)
            game.run_until(lambda: game.pending() == 0)
            metrics = game.client.metrics
        finally:
            game.close()
        counts = p.counts()
        assert gateway.metric("aicore_gateway_duplicates_total") == 0
    assert metrics.frames_resent == 0
    assert metrics.connects == 1
    assert counts.received == counts.forwarded > 0
    assert (counts.dropped, counts.duplicated, counts.delayed, counts.reordered) == (0, 0, 0, 0)
    assert counts.connections == 1
    stored = stored_events(db_url, game.client.client)
    assert [msgpack.unpackb(body) for _, _, body in stored] == game.appended
