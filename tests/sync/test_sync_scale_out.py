"""Scale-out: several ``aicore-gateway`` processes on one real PostgreSQL. The game's sync
clients, given every gateway's endpoint, spread over them; when one gateway is killed
its clients go on at the others; two gateways handed the same stream's frames at the
same moment still store each once. Exactly-once is the database's: an append holds the
stream's row lock (``docs/sync.md``, "Scale-out"), and ``lock_timeout`` bounds the wait
for a lock a lost gateway still holds."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import msgpack
import psycopg
import pytest
from aicore_gateway.stores import StoreUnavailableError, open_store
from aicore_gateway.stores.postgres_store import PostgresGatewayStore
from gw_client import curve_client, events, only
from gw_process import Gateway, Keys, game_keys_folder, make_keys, running_gateway
from store_rows import stored_events
from sync_game import FAST, Game

from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.frames import encode_stream_message

GATEWAYS = 3
CLIENTS = 6
EVENTS_PER_FRAME = 10
FRAMES_PER_HALF = 30  # half the events before the kill, half after
WAIT_S = 60.0
GATEWAY_OPTIONS = ("--heartbeat-ms", "200", "--log-level", "WARNING")
# Three heartbeats for the first welcome: a slow machine does not move a client off its
# first gateway before it is placed (after the welcome the gateways' 200 ms rules).
TUNING = replace(FAST, heartbeat_s=1.0)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture
def gateways(keys: Keys, postgres_url: str, tmp_path: Path) -> Iterator[list[Gateway]]:
    """Three gateways on one database (each killed at the end if still running)."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_gateway(keys, postgres_url, tmp_path / f"gw{n}.log", GATEWAY_OPTIONS)
            )
            for n in range(GATEWAYS)
        ]


def _play(games: list[Game], frames: int) -> None:
    for _ in range(frames):
        for game in games:
            game.frame(events=EVENTS_PER_FRAME)


def _run_until(games: list[Game], condition: Callable[[], bool], what: str) -> None:
    """Frames of every game (no new events) until ``condition()``."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_S:g} s for {what}"
        for game in games:
            game.frame()
        time.sleep(0.002)


def test_clients_spread_over_gateways_and_follow_a_killed_one_exactly_once(
    keys: Keys, gateways: list[Gateway], postgres_url: str, tmp_path: Path
) -> None:
    endpoints = ",".join(gateway.endpoint for gateway in gateways)
    game_keys = game_keys_folder(keys, tmp_path / "game-keys")
    games: list[Game] = []
    try:
        for n in range(CLIENTS):  # one key, a stream each (a profile each)
            config = SyncConfig(endpoints, keys_dir=game_keys, tuning=TUNING)
            games.append(Game(tmp_path / f"saves-{n}", config, seed=n))
        _play(games, FRAMES_PER_HALF)
        _run_until(
            games, lambda: all(g.client.metrics.acked_through > 0 for g in games), "every client"
        )
        placed = Counter(game.client.metrics.endpoint for game in games)
        # The random first gateway spread them (these seeds draw all three; a client that
        # timed out on its first would have moved on, hence not an equality).
        assert len(placed) >= 2, placed
        victim = max(gateways, key=lambda gateway: placed[gateway.endpoint])
        moved = [game for game in games if game.client.metrics.endpoint == victim.endpoint]
        victim.signal(signal.SIGKILL)  # mid-stream: the first half is not all acked yet
        assert victim.wait() == -signal.SIGKILL

        _play(games, FRAMES_PER_HALF)
        _run_until(games, lambda: all(game.pending() == 0 for game in games), "the outboxes")
        for game in moved:
            metrics = game.client.metrics
            assert metrics.endpoint != victim.endpoint
            assert metrics.connects >= 2
        streams = [game.client.client for game in games]
        stored_after = sum(
            g.metric("aicore_gateway_events_stored_total") for g in gateways if g is not victim
        )
    finally:
        for game in games:
            game.close()

    total = 2 * FRAMES_PER_HALF * EVENTS_PER_FRAME
    assert len(set(streams)) == CLIENTS
    assert stored_after > 0  # the survivors stored the moved clients' second half at least
    store = open_store(postgres_url)
    try:
        for game, stream in zip(games, streams, strict=True):
            assert store.acked_through(stream) == total
            assert store.effects(stream) == {"event.custom": total}
            bodies = [msgpack.unpackb(body) for _, _, body in stored_events(postgres_url, stream)]
            assert bodies == game.appended  # every event once, in order
    finally:
        store.close()


def test_two_gateways_given_the_same_frames_at_once_store_each_once(
    keys: Keys, gateways: list[Gateway], postgres_url: str
) -> None:
    """Two raw clients with one key send the same seqs of one stream to two gateways, each
    message to both at the same moment: the two appends race for the stream's row lock."""
    first_gw, second_gw = gateways[0], gateways[1]
    stream, last, batch = "alice/shared", 20_000, 500
    alice = keys.clients["alice"]
    with (
        curve_client(first_gw.endpoint, keys.server_public, alice) as one,
        curve_client(second_gw.endpoint, keys.server_public, alice) as other,
    ):
        for start in range(1, last + 1, batch):
            rows = events(start, start + batch - 1, kind=f"kind.{start // batch % 3}")
            message = encode_stream_message(stream, rows)
            one.send(message)
            other.send(message)
            for client in (one, other):
                ack = only(client.receive(), "sync.ack")
                assert ack.body["through"] >= start + batch - 1  # never a gap: one won
    pair = (first_gw, second_gw)
    stored = sum(g.metric("aicore_gateway_events_stored_total") for g in pair)
    duplicates = sum(g.metric("aicore_gateway_duplicates_total") for g in pair)
    assert stored == last  # each seq stored by one gateway...
    assert duplicates == last  # ...and seen by the other as a duplicate, not applied
    store = open_store(postgres_url)
    try:
        assert store.acked_through(stream) == last
        expected = Counter(f"kind.{start // batch % 3}" for start in range(1, last + 1, batch))
        assert store.effects(stream) == {kind: n * batch for kind, n in expected.items()}
    finally:
        store.close()
    assert [seq for seq, _, _ in stored_events(postgres_url, stream)] == list(range(1, last + 1))
    print(
        "\nstored by each gateway:",
        [g.metric("aicore_gateway_events_stored_total") for g in pair],
    )


def test_lock_timeout_bounds_the_wait_for_a_stream_a_stuck_gateway_holds(
    postgres_url: str,
) -> None:
    """A gateway gone mid-append (its host lost, its connection not reset yet) keeps the
    stream's row lock until the server notices; another gateway's append of that stream
    waits for it, and its loop with it. ``lock_timeout`` in the URL (``docs/sync.md``,
    "Scale-out") turns the wait into ``unavailable``: the client sends again later, the
    other streams go on, and the stream goes on once the lock is released."""
    separator = "&" if "?" in postgres_url else "?"
    store = PostgresGatewayStore(f"{postgres_url}{separator}options=-c%20lock_timeout%3D200")
    body = msgpack.packb({"n": 1})
    try:
        assert store.append("alice/locked", [(1, "event.custom", body)]).acked_through == 1
        with psycopg.connect(postgres_url) as stuck, stuck.transaction():
            stuck.execute(
                "SELECT acked_through FROM streams WHERE client = %s FOR UPDATE", ("alice/locked",)
            )
            with pytest.raises(StoreUnavailableError) as refused:
                store.append("alice/locked", [(2, "event.custom", body)])
            assert isinstance(refused.value.__cause__, psycopg.errors.LockNotAvailable)
            assert store.append("alice/free", [(1, "event.custom", body)]).acked_through == 1
        assert store.append("alice/locked", [(2, "event.custom", body)]).acked_through == 2
        assert store.effects("alice/locked") == {"event.custom": 2}
    finally:
        store.close()
