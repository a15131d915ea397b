"""pytest-benchmark: GatewayStore.append of one client's stream in batches of 1 000 events
(a ~60-byte msgpack body each), on a SQLite file and on the tests' own PostgreSQL server
(same machine, fsync on, synchronous_commit on). Target for the gateway (issue #15):
>= 100 000 events/s from one client.

``make test`` runs each once, untimed (``--benchmark-disable``): every batch must then be
stored whole. ``make bench`` times them; events/s = 1 000 / the median.
"""

from __future__ import annotations

import msgpack
from aicore_gateway.stores import GatewayStore
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.tooling.bench.declared_figures import declare_figure

BATCH = 1_000
BODY = msgpack.packb({"npc": "goblin-17", "what": "hit", "damage": 12, "at": [1.5, 0.0, -3.25]})


def test_append_batches_of_a_thousand(
    benchmark: BenchmarkFixture, gateway_store: GatewayStore
) -> None:
    acked = [0]

    def append_next() -> None:
        first = acked[0] + 1
        result = gateway_store.append(
            "alice/pc-1", [(seq, "event.custom", BODY) for seq in range(first, first + BATCH)]
        )
        assert result.stored == BATCH
        acked[0] = result.acked_through

    benchmark.pedantic(append_next, rounds=100, warmup_rounds=3)
    assert gateway_store.acked_through("alice/pc-1") == acked[0]
    assert acked[0] >= BATCH
    stats = benchmark.stats
    if stats is not None:  # None when timing is disabled
        rate = BATCH / stats.stats.median
        declare_figure(
            benchmark.extra_info, "events_per_second", rate, unit="events/s", kind="throughput"
        )
