"""pytest-benchmark: the cloud gateway under many clients (issue #15): a thousand
simulated clients, each its own CURVE connection and its own stream, sending batches as
fast as they are acknowledged (``swarm_clients.py``, two processes of 500: one zmq
context and one poller each). Measured: the acknowledged events per second of them all,
and the latency from sending a message to the ack covering it (p50, p99).

(a) one gateway on SQLite; (b) two gateways on one PostgreSQL, the clients split
between them. ``make test`` runs each once, untimed, with 20 clients sending a fixed
number of events (every one acknowledged and stored once); ``make bench`` runs 15 s of
each and prints the figures (``docs/sync.md``, "Benchmarks").
"""

from __future__ import annotations

import json
import os
import select
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aicore_gateway.stores import open_store
from gw_process import Gateway, Keys, make_keys, running_gateway
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.tooling.bench.declared_figures import declare_figure

SWARM = Path(__file__).with_name("swarm_clients.py")
PROCESSES = 2
TIMEOUT_S = 180.0  # for the swarm's start and its last acks: never a measure of speed
GATEWAY_OPTIONS = ("--log-level", "WARNING")


@dataclass(frozen=True)
class Sizes:
    clients: int
    batch: int
    window: int
    events: int = 0
    """Per client (untimed: every one must be acknowledged)."""
    duration_s: float = 0.0
    """Seconds of sending (timed)."""
    interval_s: float = 0.0
    """Each client sends one message per interval at most (0: as fast as acked)."""


TIMED = Sizes(clients=1_000, batch=100, window=2, duration_s=15.0)
UNTIMED = Sizes(clients=20, batch=100, window=2, events=300)
# Below the gateway's capacity: what a game waits for its acks when the gateway keeps up.
PACED_TIMED = Sizes(clients=1_000, batch=10, window=2, duration_s=15.0, interval_s=5.0)
PACED_UNTIMED = Sizes(clients=20, batch=10, window=2, events=30, interval_s=0.2)


@dataclass(frozen=True)
class Figures:
    clients: int
    events_per_s: float
    p50_ms: float
    p99_ms: float
    acked: dict[str, int]
    rejects: dict[str, int]


def _line(process: subprocess.Popen[str], what: str) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if line:
                return dict(json.loads(line))
        if process.poll() is not None:
            break
    raise AssertionError(f"swarm process: no {what} (exit {process.poll()})")


def _start(
    endpoint: str, keys: Keys, sizes: Sizes, log: Path, prefix: str
) -> subprocess.Popen[str]:
    clients = sizes.clients // PROCESSES
    command = [sys.executable, str(SWARM), "--endpoint", endpoint, "--prefix", prefix]
    command += ["--server-key", str(keys.server_public)]
    command += ["--client-key", str(keys.client_folder / "alice.key_secret")]
    command += ["--clients", str(clients), "--batch", str(sizes.batch)]
    command += ["--window", str(sizes.window), "--interval", str(sizes.interval_s)]
    command += ["--timeout", str(TIMEOUT_S)]
    if sizes.events:
        command += ["--events", str(sizes.events)]
    else:
        command += ["--duration", str(sizes.duration_s)]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    with log.open("ab") as log_file:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            env=env,
        )


def _figures(results: list[dict[str, Any]]) -> Figures:
    latencies = sorted(s for result in results for s in result["latencies_s"])
    acked: dict[str, int] = {}
    rejects: Counter[str] = Counter()
    for result in results:
        acked.update(result["acked"])
        rejects.update(result["rejects"])
    window_s = max(float(result["window_s"]) for result in results)
    rate = sum(int(result["acked_in_window"]) for result in results) / window_s
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else [0.0] * 99
    return Figures(len(acked), rate, cuts[49] * 1000, cuts[98] * 1000, acked, dict(rejects))


def run_swarm(
    endpoints: Sequence[str], keys: Keys, sizes: Sizes, log_dir: Path, prefix: str
) -> Figures:
    """Run the clients in :data:`PROCESSES` processes, process ``n`` on gateway
    ``endpoints[n % len(endpoints)]``; all start sending together."""
    processes: list[subprocess.Popen[str]] = []
    try:
        for n in range(PROCESSES):
            log = log_dir / f"swarm-{prefix}{n}.log"
            processes.append(
                _start(endpoints[n % len(endpoints)], keys, sizes, log, f"{prefix}{n}")
            )
        for process in processes:
            assert _line(process, "ready line") == {"event": "ready"}
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [_line(process, "results") for process in processes]
        for process in processes:
            assert process.wait(timeout=TIMEOUT_S) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
    return _figures(results)


def _check_stored(url: str, figures: Figures, gateways: Sequence[Gateway], sizes: Sizes) -> None:
    """What each client was told is stored is stored, each event once."""
    assert figures.clients == sizes.clients
    store = open_store(url)
    try:
        for stream, acked in figures.acked.items():
            assert store.acked_through(stream) == acked, stream
            if sizes.events:
                assert acked == sizes.events
    finally:
        store.close()
    stored = sum(g.metric("aicore_gateway_events_stored_total") for g in gateways)
    assert stored == sum(figures.acked.values())  # nothing stored twice, nothing unacked
    assert figures.rejects == {}


def _appends(gateways: Sequence[Gateway]) -> tuple[float, float]:
    """The gateways' store appends (each one commit): how many, and their mean in ms."""
    name = "aicore_gateway_store_latency_seconds"
    count = sum(g.metric(f"{name}_count", op="append") for g in gateways)
    total = sum(g.metric(f"{name}_sum", op="append") for g in gateways)
    return count, (total / count * 1000 if count else 0.0)


def _report(
    benchmark: BenchmarkFixture,
    name: str,
    figures: Figures,
    sizes: Sizes,
    gateways: Sequence[Gateway],
) -> None:
    appends, append_ms = _appends(gateways)
    info = benchmark.extra_info
    declare_figure(info, "clients", figures.clients, unit="clients", kind="count")
    declare_figure(
        info, "events_per_second", figures.events_per_s, unit="events/s", kind="throughput"
    )
    declare_figure(info, "ack_p50", figures.p50_ms / 1e3, unit="s", kind="wall")
    declare_figure(info, "ack_p99", figures.p99_ms / 1e3, unit="s", kind="wall")
    declare_figure(info, "appends", appends, unit="commits", kind="count")
    declare_figure(info, "append_mean", append_ms / 1e3, unit="s", kind="wall")
    if benchmark.enabled:
        load = os.getloadavg()[0]
        pace = f"{sizes.window} in flight"
        if sizes.interval_s:
            pace = f"one per {sizes.interval_s:g} s"
        print(
            f"\n{name}: {figures.clients} clients, batches of {sizes.batch}, {pace}, "
            f"{sizes.duration_s:g} s: {figures.events_per_s:,.0f} acknowledged "
            f"events/s; ack latency p50 {figures.p50_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms; "
            f"{appends:.0f} store appends (commits), {append_ms:.2f} ms each on average "
            f"(load average {load:.1f})"
        )


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture
def sizes(benchmark: BenchmarkFixture) -> Sizes:
    return TIMED if benchmark.enabled else UNTIMED


@pytest.fixture
def two_gateways_on_postgresql(
    keys: Keys, postgres_url: str, tmp_path: Path
) -> Iterator[list[Gateway]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                running_gateway(keys, postgres_url, tmp_path / f"gw{n}.log", GATEWAY_OPTIONS)
            )
            for n in range(2)
        ]


# The SQLite gateway at three client counts, so QA sees how it scales (aicore bench fits
# the growth exponent). Untimed (make test) the path is the same at every count, so only
# the largest runs, as a small swarm that must have every event acknowledged and stored once.
CLIENT_COUNTS = (10, 100, 1_000)


@pytest.mark.benchmark(group="gateway-many-clients")
@pytest.mark.parametrize("clients", CLIENT_COUNTS, ids=[f"{n}_clients" for n in CLIENT_COUNTS])
def test_one_gateway_on_sqlite_with_many_clients(
    benchmark: BenchmarkFixture, keys: Keys, sizes: Sizes, tmp_path: Path, clients: int
) -> None:
    if benchmark.enabled:
        sizes = replace(sizes, clients=clients)
    elif clients != CLIENT_COUNTS[-1]:
        pytest.skip("a timed size only: untimed, the largest count checks the same path")
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    with running_gateway(keys, url, tmp_path / "gateway.log", GATEWAY_OPTIONS) as gateway:
        figures = benchmark.pedantic(
            lambda: run_swarm([gateway.endpoint], keys, sizes, tmp_path, "sqlite"),
            rounds=1,
            iterations=1,
        )
        _check_stored(url, figures, [gateway], sizes)
        _report(benchmark, "one gateway, SQLite", figures, sizes, [gateway])


@pytest.mark.benchmark(group="gateway-many-clients")
def test_one_gateway_on_sqlite_with_many_paced_clients(
    benchmark: BenchmarkFixture, keys: Keys, tmp_path: Path
) -> None:
    sizes = PACED_TIMED if benchmark.enabled else PACED_UNTIMED
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    with running_gateway(keys, url, tmp_path / "gateway.log", GATEWAY_OPTIONS) as gateway:
        figures = benchmark.pedantic(
            lambda: run_swarm([gateway.endpoint], keys, sizes, tmp_path, "paced"),
            rounds=1,
            iterations=1,
        )
        _check_stored(url, figures, [gateway], sizes)
        _report(benchmark, "one gateway, SQLite, paced", figures, sizes, [gateway])


@pytest.mark.benchmark(group="gateway-many-clients")
def test_two_gateways_on_postgresql_with_many_clients(
    benchmark: BenchmarkFixture,
    keys: Keys,
    sizes: Sizes,
    postgres_url: str,
    two_gateways_on_postgresql: list[Gateway],
    tmp_path: Path,
) -> None:
    gateways = two_gateways_on_postgresql
    endpoints = [gateway.endpoint for gateway in gateways]
    figures = benchmark.pedantic(
        lambda: run_swarm(endpoints, keys, sizes, tmp_path, "pg"), rounds=1, iterations=1
    )
    _check_stored(postgres_url, figures, gateways, sizes)
    _report(benchmark, "two gateways, PostgreSQL", figures, sizes, gateways)
