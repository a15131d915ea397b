"""The sync client against the test gateway peer (real ZeroMQ, real CURVE, loopback) and
a real store: events flow and leave the outbox once acknowledged; offline the game runs
on and nothing is lost; lost acknowledgements, a silent gateway, a refusal and a restart
of the game are all coped with. Waits are on conditions (30 s at most), never on time."""

from __future__ import annotations

import time
from collections.abc import Callable

from sync_game import Game
from sync_test_gateway import TestGateway

from engine_bridge.sync.metrics import SyncFaultKind, SyncState

OpenGame = Callable[..., Game]


def _stored_bodies(gateway: TestGateway, client: str) -> list[object]:
    with gateway.lock:
        held = list(gateway.stored.get(client, []))
    assert [seq for seq, _, _ in held] == list(range(1, len(held) + 1))
    return [body for _, _, body in held]


def test_events_flow_and_leave_the_outbox_once_acknowledged(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    game = open_game(gateway.endpoint)
    stream = game.store.sync_stream
    assert game.client.client == f"player1/{stream.id}"
    for _ in range(10):
        game.frame(events=10)

    game.run_until(lambda: gateway.acked(game.client.client) == 100 and game.pending() == 0)

    assert _stored_bodies(gateway, game.client.client) == game.appended
    with gateway.lock:
        assert {kind for _, kind, _ in gateway.stored[game.client.client]} == {"event.custom"}
        assert gateway.seen.duplicates == 0
    metrics = game.client.metrics
    assert metrics.state is SyncState.ONLINE
    assert metrics.acked_through == metrics.acknowledged_through == 100
    assert metrics.frames_sent >= 100
    assert metrics.connects >= 1
    assert metrics.frames == len(game.sync_part_s)  # every frame's sync part is measured
    assert metrics.frame_cost_total_s > 0
    # The outbox's seq goes on from what was acknowledged, even though it is empty now.
    assert game.store.outbox.append("event.custom", {"n": 100}) == 101


def test_offline_the_game_runs_on_and_nothing_is_lost(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    gateway.stop()  # its port is known: nothing listens there now
    game = open_game(gateway.endpoint)
    frames = 0
    # Frames with events run, and go on running, while the client tries and times out.
    while game.client.metrics.last_fault is None or frames < 50:
        game.frame(events=3)
        frames += 1
        time.sleep(0.002)
        assert frames < 30_000, "the client never noticed the gateway was away"
    fault = game.client.metrics.last_fault
    assert fault is not None
    assert fault.kind is SyncFaultKind.NO_WELCOME
    assert game.client.metrics.state is not SyncState.ONLINE
    with gateway.lock:
        assert gateway.seen.frames_received == []
        assert gateway.seen.hellos == 0
    assert game.pending() == 3 * frames  # everything waits in the outbox

    gateway.start()  # the gateway comes back (on the same port)
    game.run_until(lambda: game.pending() == 0)

    assert _stored_bodies(gateway, game.client.client) == game.appended
    print(f"sync part of a frame: max {max(game.sync_part_s) * 1e6:.1f} us over {frames} frames")


def test_a_silent_gateway_is_given_up_while_the_game_runs_on(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    with gateway.lock:
        gateway.behaviour.silent = True  # reads everything, answers nothing
    game = open_game(gateway.endpoint)
    game.frame(events=5)
    frames = game.run_until(lambda: game.client.metrics.reconnects >= 2)

    assert frames > 0
    with gateway.lock:
        assert gateway.seen.hellos >= 2  # it heard the client try, and try again
        assert gateway.stored == {}
    assert game.pending() == 5
    assert set(game.client.metrics.faults) == {SyncFaultKind.NO_WELCOME}

    with gateway.lock:
        gateway.behaviour.silent = False
    game.run_until(lambda: game.pending() == 0)
    assert _stored_bodies(gateway, game.client.client) == game.appended


def test_lost_acks_mean_resends_and_duplicates_acknowledged_again(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    with gateway.lock:
        gateway.behaviour.drop_acks = 3  # stores the first messages, never says so
        gateway.behaviour.stale_welcome = True  # and its welcome says it holds nothing
    game = open_game(gateway.endpoint)
    game.frame(events=40)

    game.run_until(lambda: game.pending() == 0)

    assert _stored_bodies(gateway, game.client.client) == game.appended  # each once
    metrics = game.client.metrics
    with gateway.lock:
        assert gateway.seen.duplicates > 0
    assert metrics.frames_resent > 0
    assert metrics.reconnects >= 1
    assert metrics.acked_through == 40
    assert metrics.faults.get(SyncFaultKind.NO_ACK, 0) >= 1


def test_a_rate_limited_refusal_delays_sending_again(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    with gateway.lock:
        gateway.behaviour.reject_next = 1
        gateway.behaviour.retry_after_ms = 300
    game = open_game(gateway.endpoint)
    game.frame(events=10)

    game.run_until(lambda: game.pending() == 0)

    with gateway.lock:
        (refused_at,) = gateway.seen.rejected_at
        after = [t for t, _, _ in gateway.seen.frames_received if t > refused_at]
    assert after, "nothing was sent again"
    assert min(after) - refused_at >= 0.3  # not before the gateway said (a lower bound)
    assert _stored_bodies(gateway, game.client.client) == game.appended
    metrics = game.client.metrics
    assert metrics.rejects == {"rate_limited": 1}
    assert metrics.faults[SyncFaultKind.REJECTED] == 1
    assert metrics.last_fault is not None
    assert metrics.last_fault.code == "rate_limited"


def test_a_restart_of_the_game_resumes_from_what_the_gateway_holds(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    first = open_game(gateway.endpoint)
    first.frame(events=30)
    client = first.client.client
    gateway.wait_for(lambda: len(gateway.stored.get(client, [])) == 30)
    # The game stops before a frame took the acknowledgement: the outbox still has all 30.
    first.client.close()
    first.store.close()
    restarted_at = time.monotonic()

    second = open_game(gateway.endpoint)
    assert second.client.client == client  # the same stream
    assert second.pending() == 30
    second.frame(events=10)
    second.appended[:0] = first.appended
    second.run_until(lambda: second.pending() == 0)

    assert _stored_bodies(gateway, client) == second.appended
    with gateway.lock:
        sent_again = [s for t, _, s in gateway.seen.frames_received if t > restarted_at]
    assert sent_again
    assert min(sent_again) == 31  # nothing the gateway held was sent again


def test_a_gateway_lost_while_online_is_noticed_and_its_restart_resumes_the_stream(
    gateway: TestGateway, open_game: OpenGame
) -> None:
    game = open_game(gateway.endpoint)
    game.frame(events=5)
    game.run_until(lambda: game.pending() == 0)
    with gateway.lock:
        gateway.behaviour.silent = True  # alive on the wire, deaf to the client
    # Its pings go unanswered: the client takes it for dead.
    game.run_until(lambda: game.client.metrics.faults.get(SyncFaultKind.SILENT, 0) >= 1)
    gateway.stop()
    for _ in range(20):
        game.frame(events=2)  # the game goes on while the gateway restarts
    with gateway.lock:
        gateway.behaviour.silent = False
    gateway.start()  # same port, same store: it holds the first 5

    game.run_until(lambda: game.pending() == 0)

    assert _stored_bodies(gateway, game.client.client) == game.appended
    metrics = game.client.metrics
    assert metrics.reconnects >= 1
    assert metrics.connects >= 2
    assert metrics.pings_sent >= 1
