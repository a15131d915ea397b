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
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from aicore_gateway.stores import open_store
from gw_process import Gateway, Keys, make_keys, running_gateway
from pytest_benchmark.fixture import BenchmarkFixture

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


TIMED = Sizes(clients=1_000, batch=100, window=2, duration_s=15.0)
UNTIMED = Sizes(clients=20, batch=100, window=2, events=300)


@dataclass(frozen=True)
class Figures:
    clients: int
    events_per_s: float
    p50_ms: float
    p99_ms: float
    acked: dict[str, int]
    rejects: dict[str, int]


def _line(process: subprocess.Popen[str], what: str) -> dict[str, object]:
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


def run_swarm(
    endpoints: Sequence[str], keys: Keys, sizes: Sizes, log_dir: Path, prefix: str
) -> Figures:
    """Run the clients in :data:`PROCESSES` processes, process ``n`` on gateway
    ``endpoints[n % len(endpoints)]``; all start sending together."""
    processes: list[subprocess.Popen[str]] = []
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    try:
        for n in range(PROCESSES):
            command = [sys.executable, str(SWARM), "--endpoint", endpoints[n % len(endpoints)]]
            command += ["--server-key", str(keys.server_public)]
            command += ["--client-key", str(keys.client_folder / "alice.key_secret")]
            command += ["--clients", str(sizes.clients // PROCESSES), "--prefix", f"{prefix}{n}"]
            command += ["--batch", str(sizes.batch), "--window", str(sizes.window)]
            command += ["--timeout", str(TIMEOUT_S)]
            if sizes.events:
                command += ["--events", str(sizes.events)]
            else:
                command += ["--duration", str(sizes.duration_s)]
            with (log_dir / f"swarm-{prefix}{n}.log").open("ab") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                        text=True,
                        env=env,
                    )
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
    latencies = sorted(s for r in results for s in r["latencies_s"])  # type: ignore[attr-defined]
    acked: dict[str, int] = {}
    rejects: dict[str, int] = {}
    for result in results:
        acked.update(result["acked"])  # type: ignore[arg-type]
        for code, n in result["rejects"].items():  # type: ignore[attr-defined]
            rejects[code] = rejects.get(code, 0) + n
    rate = sum(r["acked_in_window"] for r in results) / max(  # type: ignore[misc]
        float(r["window_s"]) for r in results  # type: ignore[arg-type]
    )
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else [0.0] * 99
    return Figures(len(acked), rate, cuts[49] * 1000, cuts[98] * 1000, acked, rejects)


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


def _report(benchmark: BenchmarkFixture, name: str, figures: Figures, sizes: Sizes) -> None:
    benchmark.extra_info.update(
        clients=figures.clients,
        events_per_s=round(figures.events_per_s),
        p50_ms=round(figures.p50_ms, 1),
        p99_ms=round(figures.p99_ms, 1),
    )
    if benchmark.enabled:
        load = os.getloadavg()[0]
        print(
            f"\n{name}: {figures.clients} clients, batches of {sizes.batch}, {sizes.window} in "
            f"flight, {sizes.duration_s:g} s: {figures.events_per_s:,.0f} acknowledged "
            f"events/s; ack latency p50 {figures.p50_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms "
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


@pytest.mark.benchmark(group="gateway-many-clients")
def test_one_gateway_on_sqlite_with_many_clients(
    benchmark: BenchmarkFixture, keys: Keys, sizes: Sizes, tmp_path: Path
) -> None:
    url = f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    with running_gateway(keys, url, tmp_path / "gateway.log", GATEWAY_OPTIONS) as gateway:
        figures = benchmark.pedantic(
            lambda: run_swarm([gateway.endpoint], keys, sizes, tmp_path, "sqlite"),
            rounds=1,
            iterations=1,
        )
        _check_stored(url, figures, [gateway], sizes)
    _report(benchmark, "one gateway, SQLite", figures, sizes)


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
    _report(benchmark, "two gateways, PostgreSQL", figures, sizes)
