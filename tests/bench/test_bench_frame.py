"""pytest-benchmark: one frame of the designer runtime with the shipped scripts.

A mixed town of 1 000 (and 10 000) NPCs — mostly zombies, with every other kind — each
kind at its own decision rate, the player seen by a tenth of them. Target: 1 000 NPCs in
<= 2 ms mean and <= 4 ms p99 on one core.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
KINDS = ["zombie"] * 6 + ["townsfolk"] * 2 + ["vampire", "ghoul", "wraith", "werewolf"]


def _town(npcs: int) -> Sandbox:
    box = Sandbox(
        script_dirs=[REPO / "npc_scripts"], content_root=REPO / "content", capacity=npcs + 1
    )
    for i in range(npcs):
        box.spawn(KINDS[i % len(KINDS)], at=(float(i % 100), float(i // 100), 0.0))
    box.spawn("aethelred", at=(50.0, 5.0, 0.0))
    box.player_at(50.0, 0.0, seen_by=range(0, npcs, 10))
    box.step(120)  # warm up: greetings said, caches filled
    return box


@pytest.fixture(scope="module", params=[1_000, 10_000], ids=lambda n: f"{n}_npcs")
def town(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    box = _town(request.param)
    yield box
    box.close()


def test_frame_with_shipped_scripts(benchmark: BenchmarkFixture, town: Sandbox) -> None:
    benchmark.pedantic(town.step, args=(1,), rounds=600, iterations=1, warmup_rounds=10)
    assert town.runtime.script_errors == 0
    if benchmark.stats is not None:  # None when benchmarks run untimed (make test)
        data = sorted(benchmark.stats.stats.data)
        p99 = data[int(0.99 * (len(data) - 1))]
        benchmark.extra_info["p99_ms"] = round(p99 * 1000, 3)
        print(f"\n{len(town.runtime.scheduler.npcs)} NPCs: p99 {p99 * 1000:.2f} ms")
