"""pytest-benchmark: the cloud gateway (issue #15): acknowledged events per second from
one client, batching.

Target: >= 100 000 events/s acknowledged (stored, committed) from one CURVE client that
sends batches of 1 000 outbox events and keeps 8 in flight, through a real
``aicore-gateway`` process on loopback with its SQLite store (``synchronous = FULL``).

``make test`` runs it once, untimed, on a smaller stream (every event acknowledged and
stored once); ``make bench`` times it and prints the rate.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

# The gateway's test harness (a real process, real CURVE clients) lives with its tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from gw_client import BODY, CurveClient, curve_client
from gw_process import Gateway, Keys, make_keys, running_gateway
from store_rows import stored_events

from engine_bridge.sync.frames import encode_stream_message
from engine_bridge.tooling.bench.declared_figures import declare_figure

BATCH = 1_000
IN_FLIGHT = 8
STREAM = "alice/bench"


@pytest.fixture
def gateway_and_keys(tmp_path: Path) -> Iterator[tuple[Gateway, Keys, str]]:
    keys = make_keys(tmp_path)
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    extra = ["--log-level", "WARNING"]
    with running_gateway(keys, url, tmp_path / "gateway.log", extra) as gateway:
        yield gateway, keys, url


def _send_all(client: CurveClient, messages: list[bytes], last: int) -> None:
    sent = in_flight = acked = 0
    while acked < last:
        while in_flight < IN_FLIGHT and sent < len(messages):
            client.send(messages[sent])
            sent, in_flight = sent + 1, in_flight + 1
        for frame in client.receive():
            assert frame.kind == "sync.ack", frame
            acked = max(acked, frame.body["through"])
        in_flight -= 1


@pytest.mark.benchmark(group="gateway-events-per-second")
def test_acknowledged_events_per_second_from_one_client(
    benchmark: BenchmarkFixture, gateway_and_keys: tuple[Gateway, Keys, str]
) -> None:
    gateway, keys, url = gateway_and_keys
    timed = benchmark.enabled
    per_round = 200_000 if timed else 20_000
    rounds = 5 if timed else 1
    seq = 0

    def messages() -> tuple[tuple[list[bytes], int], dict[str, object]]:
        nonlocal seq
        first, seq = seq + 1, seq + per_round
        encoded = [
            encode_stream_message(
                STREAM,
                [(s, "event.custom", BODY) for s in range(start, min(start + BATCH, seq + 1))],
            )
            for start in range(first, seq + 1, BATCH)
        ]
        return (encoded, seq), {}

    with curve_client(gateway.endpoint, keys.server_public, keys.clients["alice"]) as client:
        started = time.perf_counter()
        benchmark.pedantic(
            lambda encoded, last: _send_all(client, encoded, last),
            setup=messages,
            rounds=rounds,
            iterations=1,
        )
        elapsed = time.perf_counter() - started
    assert [s for s, _, _ in stored_events(url, STREAM)] == list(range(1, seq + 1))
    if timed and benchmark.stats is not None:
        rate = per_round / benchmark.stats.stats.median
        declare_figure(
            benchmark.extra_info, "events_per_second", rate, unit="events/s", kind="throughput"
        )
        print(f"\ngateway: {rate:,.0f} acknowledged events/s (median of {rounds} rounds)")
        print(f"(all rounds with their encoding: {seq / elapsed:,.0f} events/s)")
