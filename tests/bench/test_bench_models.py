"""pytest-benchmark: the NPC decision models, batched (issue #16 items 5 and 6).

Same-run comparisons at 100, 1 000 and 10 000 NPCs of a town (the frame benchmarks'
layout: seeded random points of a square whose side grows with the count, the player in
the middle, seen by a tenth, the shipped kinds mixed) with the shipped ``npc_action``:

* ``batched_decisions``: what the decision step does for one model each frame: the
  feature rows gathered into the kept buffer (the native pass, ``row_gatherer.py``), then
  one onnxruntime call (IO binding into kept output buffers). Target: <= 150 us for 1 000
  NPCs;
* ``gather_rows``: the feature rows alone, natively and with the numpy definition
  (``features.gather``), which must agree;
* ``batched_run``: the onnxruntime call alone, on rows already gathered: with the model's
  multiply-adds per NPC, the achieved GFLOP/s;
* ``per_npc_loop``: the same model over the same rows, one ``session.run`` per NPC (rows
  given for free). Target: the batched decisions >= 40x faster at 1 000 NPCs.

And a frame of the shipped scripts whose kinds ask the models (zombie, werewolf,
townsfolk; 1 000 NPCs), models on and, beside it, off (their files missing: the scripts'
defaults). Target: p50 <= 2 ms with the models on (docs/designers.md, "What a frame
costs").

``make test`` runs each once, untimed (``--benchmark-disable``): they are tests too (the
batched answers are the per-NPC answers; the frames run without a script error). ``make
bench`` times them; docs/models.md, "Benchmarks", has the figures.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.models.batch_inference import BatchInference
from engine_bridge.models.features import FeatureContext, gather
from engine_bridge.models.registry import ModelRegistry
from engine_bridge.models.row_gatherer import RowGatherer
from engine_bridge.sandbox import Sandbox
from engine_bridge.tooling.bench.declared_figures import declare_figure

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
SIZES = (100, 1_000, 10_000)
KINDS = ("zombie", "zombie", "zombie", "townsfolk", "vampire", "ghoul", "wraith", "werewolf")
ASKING = ["zombie"] * 6 + ["townsfolk"] * 3 + ["werewolf"]  # the kinds that ask the models

# Medians measured in this run, by (benchmark, NPCs), for the ratios.
MEDIANS: dict[tuple[str, int], float] = {}


def macs_per_npc(model_file: Path) -> int:
    """Multiply-adds of one row through the model's dense layers (its MatMul weights)."""
    import onnx

    model = onnx.load(str(model_file))
    weights = {w.name: list(w.dims) for w in model.graph.initializer}
    return sum(
        math.prod(weights[node.input[1]])
        for node in model.graph.node
        if node.op_type in ("MatMul", "Gemm") and node.input[1] in weights
    )


class Town:
    """``npcs`` NPCs laid out as the frame benchmarks lay them out, their features'
    context, and a batched runner of ``npc_action`` over a registry of the shipped models."""

    def __init__(self, npcs: int, registry: ModelRegistry) -> None:
        self.world = World.allocate(npcs)
        side = 100.0 * math.sqrt(npcs / 1000)
        rng = np.random.default_rng(7)
        self.world.position[:, :2] = rng.uniform(0.0, side, (npcs, 2))
        self.world.heading[:] = rng.uniform(-math.pi, math.pi, npcs)
        self.world.custom[:, :2] = rng.uniform(0.0, 1.0, (npcs, 2))  # hunger, light
        self.world.alive[:] = 1
        self.world.player_position[:] = (side / 2, side / 2, 0.0)
        self.world.perception[::10] = PERCEIVES_PLAYER
        self.context = FeatureContext(npcs)
        for slot in range(npcs):
            kind = KINDS[slot % len(KINDS)]
            self.context.place(slot, KINDS.index(kind), kind)
        self.context.observe(self.world, 1.0)
        self.slots = np.arange(npcs)
        self.rows = RowGatherer(self.world, self.context)
        assert self.rows.native, "the compiled feature rows are part of every install"
        model = registry.get("npc_action")
        assert model is not None
        self.runner = BatchInference(model.session, name=model.name, classes=model.classes)
        self.runner.rows(npcs)

    def decide(self) -> None:
        """The decision step's work for one model: gather, then one run."""
        n = self.slots.size
        self.rows.gather(self.slots, self.runner.rows(n))
        self.runner.run(n)

    def per_npc(self) -> None:
        """One ``session.run`` per NPC over the rows already gathered."""
        run_one = self.runner.run_one
        for row in self.runner.features[: self.slots.size]:
            run_one(row)


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    registry = ModelRegistry([CONTENT], names=["npc_action"])
    assert registry.errors == []
    return registry


@pytest.fixture(scope="module", params=SIZES, ids=[f"{n}_npcs" for n in SIZES])
def town(request: pytest.FixtureRequest, registry: ModelRegistry) -> Town:
    return Town(request.param, registry)


def _median(benchmark: BenchmarkFixture, key: tuple[str, int], label: str) -> float | None:
    """Record and print the median (None when benchmarks run untimed, as in make test)."""
    if benchmark.stats is None:
        return None
    median: float = benchmark.stats.stats.median
    MEDIANS[key] = median
    print(f"\n{label}: median {median * 1e6:,.1f} us")
    return median


def _rounds(n: int) -> int:
    return max(20, 200_000 // n)


@pytest.mark.benchmark(group="models-batched-vs-per-npc")
def test_batched_decisions(benchmark: BenchmarkFixture, town: Town) -> None:
    n = town.slots.size
    benchmark.pedantic(town.decide, rounds=_rounds(n), iterations=1, warmup_rounds=5)
    # Untimed, after: the batch answered what each NPC's row run alone answers.
    labels, probabilities = town.runner.labels[:n].copy(), town.runner.probabilities[:n]
    for i in np.random.default_rng(1).choice(n, min(n, 200), replace=False):
        label, expected = town.runner.run_one(town.runner.features[i].copy())
        assert labels[i] == label
        np.testing.assert_allclose(probabilities[i], expected, rtol=0.0, atol=1e-5)
    assert len(set(labels.tolist())) > 1
    median = _median(benchmark, ("batched", n), f"{n} NPCs gathered and decided in one call")
    if median is not None:
        declare_figure(benchmark.extra_info, "per_npc", median / n, unit="s", kind="wall")


@pytest.mark.benchmark(group="models-feature-rows")
@pytest.mark.parametrize("how", ["native", "numpy"])
def test_gather_rows(benchmark: BenchmarkFixture, town: Town, how: str) -> None:
    n = town.slots.size
    out = np.empty((n, town.runner.features.shape[1]), np.float32)
    if how == "native":
        benchmark.pedantic(town.rows.gather, args=(town.slots, out), rounds=_rounds(n))
    else:
        benchmark.pedantic(
            gather,
            args=(town.world, town.slots, town.context),
            kwargs={"out": out},
            rounds=max(10, _rounds(n) // 10),
        )
    # Untimed, after: both ways write the same rows.
    expected = gather(town.world, town.slots, town.context)
    np.testing.assert_allclose(town.rows.gather(town.slots, out), expected, rtol=0, atol=1e-6)
    _median(benchmark, (f"gather_{how}", n), f"{n} NPCs' feature rows, {how}")


@pytest.mark.benchmark(group="models-batched-vs-per-npc")
def test_batched_run(benchmark: BenchmarkFixture, town: Town) -> None:
    n = town.slots.size
    town.decide()  # the rows in place
    benchmark.pedantic(town.runner.run, args=(n,), rounds=_rounds(n), iterations=1)
    median = _median(benchmark, ("run", n), f"{n} NPCs' rows through one onnxruntime call")
    macs = macs_per_npc(CONTENT / "models" / "npc_action.onnx")
    assert macs == 22 * 32 + 32 * 16 + 16 * 6  # the card's 22 -> 32 -> 16 -> 6 network
    declare_figure(benchmark.extra_info, "macs_per_npc", macs, unit="MAC", kind="count")
    if median is not None:
        gflops = 2 * macs * n / median / 1e9
        declare_figure(benchmark.extra_info, "gflops", gflops, unit="GFLOP/s", kind="throughput")
        print(f"{macs} multiply-adds per NPC: {gflops:.2f} GFLOP/s")


@pytest.mark.benchmark(group="models-batched-vs-per-npc")
def test_per_npc_loop(benchmark: BenchmarkFixture, town: Town) -> None:
    n = town.slots.size
    town.decide()
    benchmark.pedantic(town.per_npc, rounds=max(3, 20_000 // n), iterations=1, warmup_rounds=1)
    assert town.runner.runs >= 1
    median = _median(benchmark, ("per_npc", n), f"{n} NPCs, one session.run each")
    if median is not None:
        for what in ("batched", "run"):
            if (what, n) in MEDIANS:
                ratio = median / MEDIANS[(what, n)]
                # Both medians come from this run: the ratio holds on a busy machine.
                declare_figure(
                    benchmark.extra_info, f"per_npc_over_{what}", ratio, unit="x", kind="ratio"
                )
                print(f"the per-NPC loop takes {ratio:.1f}x the {what} call")


# -- a frame of the shipped scripts with the models on, and off ------------------------


def _models_off(root: Path) -> Path:
    """A content root over the shipped one whose manifest lists the models with their
    files missing: every model off, the scripts on their defaults."""
    shutil.copytree(CONTENT / "models", root / "models")
    for onnx_file in (root / "models").glob("*.onnx"):
        onnx_file.unlink()
    return root


def _town_of_scripts(npcs: int, layer: Path | None) -> Sandbox:
    box = Sandbox(
        script_dirs=[REPO / "npc_scripts"],
        content_roots=[layer] if layer is not None else [],
        capacity=npcs + 1,
    )
    side = 100.0 * math.sqrt(npcs / 1000)
    rng = np.random.default_rng(7)
    for i, (x, y) in enumerate(rng.uniform(0.0, side, size=(npcs, 2))):
        box.spawn(ASKING[i % len(ASKING)], at=(float(x), float(y), 0.0))
    box.player_at(side / 2, side / 2, seen_by=range(0, npcs, 10))
    box.step(120)  # warm up: greetings said, caches filled, every NPC decided for
    return box


@pytest.fixture(scope="module", params=["models_on", "models_off"])
def scripts_town(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    off = request.param == "models_off"
    layer = _models_off(tmp_path_factory.mktemp("off")) if off else None
    box = _town_of_scripts(1_000, layer)
    yield box
    box.close()


@pytest.mark.benchmark(group="models-frame")
def test_frame_of_1000_npcs_asking_the_models(
    benchmark: BenchmarkFixture, scripts_town: Sandbox
) -> None:
    decisions = scripts_town.runtime.decisions
    costs: list[float] = []
    rows: list[int] = []

    def frame() -> None:
        scripts_town.step(1)
        costs.append(decisions.last_seconds)
        rows.append(decisions.last_rows)

    benchmark.pedantic(frame, rounds=600, iterations=1, warmup_rounds=10)
    assert scripts_town.runtime.script_errors == 0
    on = not decisions.off
    assert (decisions.frames > 0) == on
    assert bool(scripts_town.runtime.problems()) == (not on)  # off: each model reported
    if benchmark.stats is not None:
        data = sorted(benchmark.stats.stats.data)
        p99 = data[int(0.99 * (len(data) - 1))]
        info = benchmark.extra_info
        declare_figure(info, "p99", p99, unit="s", kind="wall")
        declare_figure(info, "decide_p50", float(np.median(costs)), unit="s", kind="wall")
        declare_figure(info, "rows_per_frame", float(np.mean(rows)), unit="rows", kind="count")
        print(
            f"\n1000 NPCs, models {'on' if on else 'off'}: frame median "
            f"{benchmark.stats.stats.median * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms; "
            f"decision step median {np.median(costs) * 1e6:.0f} us for "
            f"{np.mean(rows):.1f} rows a frame"
        )


# -- IO binding: kept per batch size, against allocating outputs and binding every call -


IO_SIZES = (17, 1_000)  # a frame's batch in a town of slow zombies, and a thousand


@pytest.fixture(scope="module", params=IO_SIZES, ids=[f"{n}_rows" for n in IO_SIZES])
def bound(request: pytest.FixtureRequest, registry: ModelRegistry) -> tuple[BatchInference, int]:
    """A batched runner of ``npc_action`` and a batch size, its rows filled."""
    model = registry.get("npc_action")
    assert model is not None
    runner = BatchInference(model.session, name=model.name, classes=model.classes)
    n: int = request.param
    runner.rows(n)[:n] = np.random.default_rng(5).random((n, 22))
    return runner, n


@pytest.mark.benchmark(group="models-io-binding")
def test_run_with_a_kept_binding(
    benchmark: BenchmarkFixture, bound: tuple[BatchInference, int]
) -> None:
    """What the decision step does: the binding for this batch size was made before."""
    runner, n = bound
    benchmark.pedantic(runner.run, args=(n,), rounds=2_000, iterations=1, warmup_rounds=10)
    assert len(runner._bindings) == 1


@pytest.mark.benchmark(group="models-io-binding")
def test_session_run_allocating_outputs(
    benchmark: BenchmarkFixture, bound: tuple[BatchInference, int]
) -> None:
    """Plain ``session.run``: outputs allocated by onnxruntime at every call."""
    runner, n = bound
    rows = runner.features[:n]
    names = [runner.label_output, runner.probabilities_output]

    def run() -> list[np.ndarray]:
        return list(runner.session.run(names, {runner.input_name: rows}))

    benchmark.pedantic(run, rounds=2_000, iterations=1, warmup_rounds=10)
    label, probabilities = run()
    labels, kept = runner.run(n)
    assert (label == labels).all()
    np.testing.assert_array_equal(probabilities, kept)


@pytest.mark.benchmark(group="models-io-binding")
def test_run_binding_at_every_call(
    benchmark: BenchmarkFixture, bound: tuple[BatchInference, int]
) -> None:
    """IO binding made afresh at each call (what a binding not kept per size costs)."""
    runner, n = bound
    before = runner.runs

    def run() -> None:
        runner._bindings.clear()
        runner.run(n)

    benchmark.pedantic(run, rounds=2_000, iterations=1, warmup_rounds=10)
    assert runner.runs > before
