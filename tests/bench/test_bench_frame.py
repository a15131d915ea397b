"""pytest-benchmark: one frame of the designer runtime with the shipped scripts.

Towns are laid out as the host lays them out: NPCs at seeded random points of a square
whose side grows with the count (100 m for 1 000, the density the host uses), the player in
the middle and seen by a tenth of them. Targets (docs/designers.md, "What a frame costs"):
1 000 NPCs of any one shipped kind, or of the host's mix, <= 2 ms median and <= 4 ms p99;
10 000 mixed <= 10 ms median.

``make test`` runs each benchmark once, untimed (``--benchmark-disable``), so these are also
tests: the frames run the real scripts, and no script may fail. ``make bench`` times them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_RATE, FRAME_SECONDS
from engine_bridge.sandbox import Sandbox
from engine_bridge.tooling.bench.declared_figures import declare_figure

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["townsfolk", "zombie", "vampire", "ghoul", "wraith", "werewolf", "aethelred"]
MIXED = ["zombie"] * 6 + ["townsfolk"] * 2 + ["vampire", "ghoul", "wraith", "werewolf"]
HOST_MIX = ["townsfolk"]  # what `aicore host` spawns without --kinds


def _town(kinds: list[str], npcs: int) -> Sandbox:
    box = Sandbox(
        script_dirs=[REPO / "npc_scripts"], content_root=REPO / "content", capacity=npcs + 1
    )
    side = 100.0 * math.sqrt(npcs / 1000)
    rng = np.random.default_rng(7)
    points = rng.uniform(0.0, side, size=(npcs, 2))
    for i, (x, y) in enumerate(points):
        box.spawn(kinds[i % len(kinds)], at=(float(x), float(y), 0.0))
    box.player_at(side / 2, side / 2, seen_by=range(0, npcs, 10))
    box.step(120)  # warm up: greetings said, caches filled
    return box


TOWNS = {
    **{f"1000_{kind}": (kind, 1_000) for kind in SHIPPED},
    "1000_host_mix": ("host_mix", 1_000),
    # Three sizes of the mixed town: aicore bench fits how a frame's cost grows with them.
    "100_mixed": ("mixed", 100),
    "1000_mixed": ("mixed", 1_000),
    "10000_mixed": ("mixed", 10_000),
}


@pytest.fixture(scope="module", params=list(TOWNS), ids=list(TOWNS))
def town(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    name, npcs = TOWNS[request.param]
    kinds = {"mixed": MIXED, "host_mix": HOST_MIX}.get(name, [name])
    box = _town(kinds, npcs)
    yield box
    box.close()


# Medians of this run, by benchmark, for the same-run ratio of the handler overhead.
MEDIANS: dict[str, float] = {}


def _p99_extra(benchmark: BenchmarkFixture, label: str) -> None:
    if benchmark.stats is not None:  # None when benchmarks run untimed (make test)
        data = sorted(benchmark.stats.stats.data)
        p99 = data[int(0.99 * (len(data) - 1))]
        MEDIANS[label] = benchmark.stats.stats.median
        declare_figure(benchmark.extra_info, "p99", p99, unit="s", kind="wall")
        print(
            f"\n{label}: median {benchmark.stats.stats.median * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
        )


@pytest.mark.benchmark(group="frame")
def test_frame_with_shipped_scripts(benchmark: BenchmarkFixture, town: Sandbox) -> None:
    errors_before = town.runtime.script_errors
    benchmark.pedantic(town.step, args=(1,), rounds=600, iterations=1, warmup_rounds=10)
    # Budgets are charged in the script's own CPU time, so this holds on a busy machine.
    assert town.runtime.script_errors == errors_before == 0
    _p99_extra(benchmark, f"{len(town.runtime.scheduler.npcs)} NPCs")


class _Idle(Npc):
    kind = "idle"
    decision_rate = FRAME_RATE  # on_tick every frame

    def on_tick(self, dt: float) -> None:
        pass


class _Plain:
    def on_tick(self, dt: float) -> None:
        pass


@pytest.fixture(scope="module")
def idle_town() -> Iterator[Sandbox]:
    box = Sandbox(_Idle, capacity=1_000)
    # Nothing deferred to the next frame, however busy the machine: every frame runs all
    # 1 000 handlers, each still under its own budget.
    box.runtime.scheduler.frame_budget_s = 60.0
    for i in range(1_000):
        box.spawn("idle", at=(float(i % 40), float(i // 40), 0.0))
    box.step(10)
    yield box
    box.close()


@pytest.mark.benchmark(group="handler-overhead")
def test_frame_of_1000_empty_handlers(benchmark: BenchmarkFixture, idle_town: Sandbox) -> None:
    """The runtime's own cost: a whole frame in which 1 000 NPCs run an empty ``on_tick``,
    each guarded by its budget and profiled. Compare with the plain loop beside it."""
    scheduler = idle_town.runtime.scheduler
    calls = scheduler.guard.profile_of(scheduler.npcs[0])
    before = calls.calls
    benchmark.pedantic(idle_town.step, args=(1,), rounds=2_000, iterations=1, warmup_rounds=20)
    ran = calls.calls - before
    assert ran >= 1_000
    assert ran % 1_000 == 0  # every NPC, every frame
    assert idle_town.runtime.script_errors == 0
    _p99_extra(benchmark, "frame of 1000 empty handlers")


@pytest.mark.benchmark(group="handler-overhead")
def test_plain_loop_of_1000_empty_calls(benchmark: BenchmarkFixture) -> None:
    """The floor: the same 1 000 empty method calls in a plain Python loop."""
    objects = [_Plain() for _ in range(1_000)]

    def loop() -> None:
        for o in objects:
            o.on_tick(FRAME_SECONDS)

    benchmark.pedantic(loop, rounds=2_000, iterations=1, warmup_rounds=20)
    _p99_extra(benchmark, "plain loop of 1000 empty calls")
    handlers = MEDIANS.get("frame of 1000 empty handlers")
    plain = MEDIANS.get("plain loop of 1000 empty calls")
    if handlers is not None and plain:
        # A frame against a bare loop over the same NPCs, both measured in this run.
        ratio = handlers / plain
        declare_figure(
            benchmark.extra_info, "handlers_over_plain_loop", ratio, unit="x", kind="ratio"
        )
        print(f"a frame of 1000 empty handlers takes {ratio:.1f}x the plain loop")


@pytest.fixture(scope="module")
def mixed_town() -> Iterator[Sandbox]:
    box = _town(MIXED, 1_000)
    # A census always under way: every step below does a whole frame's share of one.
    box.runtime.memory.limits = replace(box.runtime.memory.limits, census_every_frames=1)
    box.step(200)  # a whole census at least (about 90 frames), whether timed or not
    yield box
    box.close()


@pytest.mark.benchmark(group="memory-census")
def test_memory_census_step_in_a_town_of_1000(
    benchmark: BenchmarkFixture, mixed_town: Sandbox
) -> None:
    """The memory census's share of a frame (engine_bridge/scripting/memory_watch.py): one step,
    ``objects_per_frame`` objects, between two frames of the 1 000-NPC mixed town."""
    watch = mixed_town.runtime.memory
    benchmark.pedantic(watch.step, rounds=2_000, iterations=1, warmup_rounds=20)
    assert watch.censuses >= 1
    profile = mixed_town.runtime.profile()
    assert all(p["memory_bytes"] > 0 for p in profile.values())
    assert not any(p["quarantined"] for p in profile.values())  # the shipped scripts keep
    _p99_extra(benchmark, "memory census step")
