"""Batched inference (engine_bridge/models/batch_inference.py, decision_step.py) against
the per-NPC way on random worlds, the buffers it keeps, and the session it runs in."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine_bridge.api import Npc
from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.models.batch_inference import FIRST_ROWS, BatchInference, rows_for
from engine_bridge.models.decision_step import DecisionStep
from engine_bridge.models.features import N_FEATURES, gather
from engine_bridge.models.registry import ModelRegistry
from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
MODELS = ("npc_action", "npc_mood")
KINDS = ("zombie", "ghoul", "townsfolk", "vampire", "werewolf", "aethelred", "lamplighter")


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    registry = ModelRegistry([REPO / "content"])
    assert registry.errors == []
    return registry


def _runner(registry: ModelRegistry, name: str) -> BatchInference:
    model = registry.get(name)
    assert model is not None
    return BatchInference(model.session, name=name, classes=model.classes)


def _randomise(world: World, rng: np.random.Generator) -> None:
    """A world in any state the engine may write: spread and crowded, hurt and healthy,
    dark and lit, seen and unseen, some of it NaN."""
    n = world.capacity
    spread = rng.uniform(-60.0, 60.0, (n, 3))
    crowd = rng.normal(0.0, 5.0, (n, 3)) + rng.choice([-8.0, 0.0, 16.0], (n, 1))
    world.position[:] = np.where(rng.random((n, 1)) < 0.5, spread, crowd)
    world.position[:, 2] *= 0.1
    world.heading[:] = rng.uniform(-4.0, 4.0, n)
    world.health[:] = rng.uniform(-0.1, 1.1, n)
    world.custom[:] = rng.uniform(0.0, 1.0, world.custom.shape)
    world.perception[:] = rng.integers(0, 4, n)
    world.player_position[:] = rng.uniform(-20.0, 20.0, 3)
    world.health[rng.integers(0, n)] = np.nan


def _assert_same_decisions(
    runner: BatchInference, rows: np.ndarray, labels: np.ndarray, probabilities: np.ndarray
) -> None:
    for i, row in enumerate(rows):
        label, expected = runner.run_one(row.copy())
        assert labels[i] == label == int(np.argmax(expected))
        np.testing.assert_allclose(probabilities[i], expected, rtol=0.0, atol=1e-5)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("model", MODELS)
def test_a_batch_decides_what_each_npc_run_alone_decides(
    registry: ModelRegistry, model: str, seed: int
) -> None:
    """The batched call and one session.run per NPC of the same model: the same label
    (argmax) and probabilities within 1e-5, on feature rows of random worlds."""
    rng = np.random.default_rng(seed)
    world = World.allocate(400)
    _randomise(world, rng)
    step = DecisionStep(world)
    world.alive[:] = rng.random(400) < 0.9
    for slot in np.flatnonzero(world.alive):
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        step.context.place(int(slot), KINDS.index(kind), kind)
    step.context.observe(world, 5.0)
    runner = _runner(registry, model)
    for n in (1, 37, 300):  # past the first buffer: the batch grows it
        slots = rng.choice(np.flatnonzero(world.alive), n, replace=False)
        rows = gather(world, slots, step.context, out=runner.rows(n))
        labels, probabilities = runner.run(n)
        assert labels.shape == (n,)
        assert probabilities.shape == (n, len(runner.classes))
        _assert_same_decisions(runner, rows[:n], labels, probabilities)
    assert len(set(runner.labels[:300].tolist())) > 1  # the worlds are varied enough


@pytest.mark.parametrize("seed", [4, 5])
def test_the_decision_step_posts_the_per_npc_decisions_of_every_due_npc(seed: int) -> None:
    """Through the whole step (due slots by turn, one gather shared by both models, one run
    per model, the board): each due NPC's decision is what its own row run alone gives;
    NPCs not due have none yet, NPCs of a kind without a model never do."""
    rng = np.random.default_rng(seed)
    world = World.allocate(300)
    _randomise(world, rng)
    step = DecisionStep(world, [REPO / "content"])
    step.declare("zombie", MODELS)
    step.declare("townsfolk", ("npc_action",))  # a kind that asks one model only
    step.declare("lamplighter", ())
    kinds = ("zombie", "townsfolk", "lamplighter")
    kind_of, residue = {}, {}
    for slot in range(300):
        world.alive[slot] = 1
        kind_of[slot] = kinds[slot % 3]
        residue[slot] = int(rng.integers(0, 4))
        step.place(slot, kind_of[slot], 4, residue[slot])
    frame = 6
    step.decide(frame, 30.0, None)
    due = {s for s in range(300) if frame % 4 == residue[s]}
    runners = {name: _runner_of(step, name) for name in MODELS}
    for slot in range(300):
        for name in MODELS:
            decision = step.board.of(slot, name)
            asks = kind_of[slot] == "zombie" or (kind_of[slot], name) == ("townsfolk", MODELS[0])
            if slot not in due or not asks:
                assert decision is None
                continue
            assert decision is not None
            row = gather(world, np.array([slot]), step.context)[0]
            label, expected = runners[name].run_one(row)
            assert decision.model == name
            assert decision.action == decision.classes[label]
            np.testing.assert_allclose(decision.probabilities, expected, rtol=0.0, atol=1e-5)
    assert step.last_rows == sum(
        1 + (kind_of[s] == "zombie") for s in due if kind_of[s] != "lamplighter"
    )


def _runner_of(step: DecisionStep, name: str) -> BatchInference:
    runner = step.runner(name)
    assert runner is not None
    return runner


def test_buffers_are_kept_across_batches_and_grow_only_past_their_size(
    registry: ModelRegistry,
) -> None:
    runner = _runner(registry, "npc_action")
    buffers = (runner.features, runner.labels, runner.probabilities)
    assert runner.capacity == FIRST_ROWS
    rng = np.random.default_rng(9)
    for n in (5, FIRST_ROWS, 17, 1, FIRST_ROWS):
        runner.rows(n)[:n] = rng.random((n, N_FEATURES))
        labels, probabilities = runner.run(n)
        assert np.shares_memory(labels, buffers[1])
        assert np.shares_memory(probabilities, buffers[2])
        assert (runner.features, runner.labels, runner.probabilities) == buffers  # the same
    runner.rows(FIRST_ROWS + 1)
    grown = (runner.features, runner.labels, runner.probabilities)
    assert runner.capacity == rows_for(FIRST_ROWS + 1) == 2 * FIRST_ROWS
    assert all(new is not old for new, old in zip(grown, buffers, strict=True))
    for n in (FIRST_ROWS + 1, 3, 2 * FIRST_ROWS):
        runner.rows(n)
        runner.run(n)
        assert (runner.features, runner.labels, runner.probabilities) == grown
    assert runner.runs == 8
    with pytest.raises(ValueError, match="call rows"):
        runner.run(2 * FIRST_ROWS + 1)


def test_a_kept_binding_reads_the_rows_as_they_are_at_each_run(
    registry: ModelRegistry,
) -> None:
    """IO bindings are kept per batch size: each run must still read the buffer's current
    rows and write the current answers (no copy taken when it was bound)."""
    runner = _runner(registry, "npc_mood")
    rng = np.random.default_rng(3)
    answers = []
    for _ in range(4):
        rows = runner.rows(12)
        rows[:12] = rng.random((12, N_FEATURES)).astype(np.float32)
        labels, probabilities = runner.run(12)
        _assert_same_decisions(runner, rows[:12], labels, probabilities)
        answers.append(probabilities.copy())
    assert not np.allclose(answers[0], answers[1])
    assert len(runner._bindings) == 1  # one batch size, one binding


@pytest.fixture
def ghasts() -> Iterator[Sandbox]:
    """A sandbox of 40 NPCs of a kind that asks both models every frame."""

    class Ghast(Npc):
        kind = "ghast"
        model = MODELS
        decision_rate = 60.0  # every frame: each frame's batch is the whole kind

    box = Sandbox(Ghast, capacity=200)
    for i in range(40):
        box.spawn("ghast", at=(float(i % 8), float(i // 8), 0.0))
    yield box
    box.close()


def _runs(box: Sandbox) -> dict[str, BatchInference]:
    return {name: _runner_of(box.runtime.decisions, name) for name in MODELS}


def test_the_runtime_reuses_its_buffers_from_frame_to_frame(ghasts: Sandbox) -> None:
    ghasts.step(1)
    arrays = {n: (r.features, r.labels, r.probabilities) for n, r in _runs(ghasts).items()}
    ghasts.step(30)
    for name, runner in _runs(ghasts).items():  # thirty frames later, the same arrays
        assert (runner.features, runner.labels, runner.probabilities) == arrays[name]
        assert runner.runs == 31
        assert runner.rows_run == 31 * 40
    ghasts.spawn("ghast", at=(50.0, 50.0, 0.0))
    ghasts.step(5)  # 41 rows still fit
    for name, runner in _runs(ghasts).items():
        assert (runner.features, runner.labels, runner.probabilities) == arrays[name]
        assert runner.rows_run == 31 * 40 + 5 * 41


def test_the_sessions_run_on_one_thread_without_spinning(ghasts: Sandbox) -> None:
    """The options the game's sessions were made with, read back from onnxruntime."""
    import onnxruntime as ort

    for runner in _runs(ghasts).values():
        options = runner.session.get_session_options()
        assert options.intra_op_num_threads == 1
        assert options.inter_op_num_threads == 1
        assert options.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
        assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.get_session_config_entry("session.inter_op.allow_spinning") == "0"
        assert runner.session.get_providers() == ["CPUExecutionProvider"]


def test_an_npc_that_perceives_the_player_is_remembered_between_frames() -> None:
    """The step keeps each NPC's time since it last saw the player (the since_seen
    feature) up to date every frame, not only on the NPC's turns."""
    world = World.allocate(4)
    step = DecisionStep(world, [REPO / "content"])
    step.declare("zombie", ("npc_action",))
    for slot in range(4):
        world.alive[slot] = 1
        step.place(slot, "zombie", 60, 59)  # due once a second, at frame 59
    world.perception[1] = PERCEIVES_PLAYER
    step.decide(10, 10 / 60, None)  # nobody due, but slot 1 saw the player
    world.perception[1] = 0
    step.decide(59, 59 / 60, None)
    assert step.context.last_seen_at[1] == pytest.approx(10 / 60)
    assert np.isneginf(step.context.last_seen_at[[0, 2, 3]]).all()
    assert step.last_rows == 4


class _FailingSession:
    """Stands in for an onnxruntime session whose run fails (a unit's fake: onnxruntime
    gives no way to make a loaded, checked model fail on demand)."""

    def io_binding(self) -> object:
        return object()

    def run_with_iobinding(self, binding: object) -> None:
        raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : out of memory")


def test_a_model_that_fails_in_a_frame_is_turned_off_and_the_frame_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World.allocate(8)
    step = DecisionStep(world, [REPO / "content"])
    step.declare("zombie", MODELS)
    for slot in range(8):
        world.alive[slot] = 1
        step.place(slot, "zombie", 1, 0)  # every frame
    step.decide(0, 0.0, None)
    assert step.board.of(3, "npc_action") is not None
    _runner_of(step, "npc_action").session = _FailingSession()
    with caplog.at_level(logging.ERROR, logger="aicore.models"):
        for frame in (1, 2, 3):
            step.decide(frame, frame / 60, None)
    assert step.board.of(3, "npc_action") is None  # no stale advice
    assert step.board.of(3, "npc_mood") is not None  # the other model still decides
    assert step.off == ("npc_action",)
    [(system, file, _line, _field, reason)] = step.problems()
    assert (system, file) == ("models", None)
    assert "npc_action" in reason
    assert "out of memory" in reason
    assert len([r for r in caplog.records if "npc_action" in r.getMessage()]) == 1
