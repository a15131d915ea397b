"""The native feature rows (engine_bridge/models/row_gatherer.py, cpp/models) against the
numpy definition (features.gather) on the same worlds: random ones with hordes, the dead,
free slots, unknown kinds, NaN and far-away positions, missing channels; and what a wrong
call gets."""

from __future__ import annotations

import numpy as np
import pytest

from engine_bridge.core.world import World
from engine_bridge.models import features as F  # noqa: N812 (read as a formula)
from engine_bridge.models.decision_step import DecisionStep
from engine_bridge.models.row_gatherer import RowGatherer, native_available
from tests.models.test_models_features import _random_context, _random_world


def _both(world: World, context: F.FeatureContext, slots: np.ndarray) -> tuple[np.ndarray, ...]:
    native = RowGatherer(world, context)
    assert native.native
    out = np.full((len(slots) + 3, F.N_FEATURES), -9.0, np.float32)
    got = native.gather(slots, out)
    expected = F.gather(world, slots, context)
    return got, expected, out


def test_the_compiled_kernel_is_installed() -> None:
    # Every install builds it (pyproject: scikit-build); a silent numpy fallback would
    # hide a broken build behind a slower game.
    assert native_available()


@pytest.mark.parametrize("seed", range(8))
def test_native_rows_are_the_numpy_rows_on_random_worlds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    world = _random_world(rng, 300)
    context = _random_context(rng, world)
    context.set_flag("met_broker", True)
    context.set_flag("town_knows", seed % 2 == 0)
    context.observe(world, 101.0)
    if seed < 4:  # outliers make the crowd's box too big: the kernel's hashed count
        world.position[7] = (np.nan, 1.0, 0.0)  # a broken engine write
        world.position[8] = (1e30, -1e30, 0.0)  # far beyond any level
    # else a level-sized crowd: the kernel's dense grid
    world.heading[9] = np.nan
    world.health[10] = np.nan
    slots = rng.choice(300, 200, replace=False) if seed % 2 else np.arange(300)
    got, expected, out = _both(world, context, slots)
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-6)
    assert not np.isnan(got).any()
    assert (out[len(slots) :] == -9.0).all()  # nothing written past the batch


def test_fallbacks_for_channels_the_world_lacks_or_the_context_turns_off() -> None:
    rng = np.random.default_rng(3)
    world = _random_world(rng, 120, channels=1)  # hunger only: light from the context
    context = _random_context(rng, world)
    context.light = 0.8
    got, expected, _ = _both(world, context, np.arange(120))
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-6)
    assert np.allclose(got[:, F.column("light")], 0.8)
    context.hunger_channel = None
    context.hunger = 0.25
    got, expected, _ = _both(world, context, np.arange(120))
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-6)
    assert np.allclose(got[:, F.column("hunger")], 0.25)


def test_repeated_and_duplicate_slots_and_an_empty_batch() -> None:
    rng = np.random.default_rng(5)
    world = _random_world(rng, 64)
    context = _random_context(rng, world)
    slots = np.array([5, 5, 63, 0, 5], np.int64)
    got, expected, _ = _both(world, context, slots)
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-6)
    empty = RowGatherer(world, context).gather(np.zeros(0, np.int64), np.zeros((4, 22), np.float32))
    assert empty.shape == (0, F.N_FEATURES)


def test_the_world_changing_between_frames_is_read_in_place() -> None:
    rng = np.random.default_rng(11)
    world = _random_world(rng, 50)
    context = _random_context(rng, world)
    rows = RowGatherer(world, context)
    out = np.empty((50, F.N_FEATURES), np.float32)
    rows.gather(np.arange(50), out)
    world.position[:] = world.position[::-1].copy()  # every NPC moves
    world.alive[:25] = 0  # half die
    context.place(30, 99, "zombie")  # a new NPC
    context.now = 500.0
    np.testing.assert_allclose(
        rows.gather(np.arange(50), out), F.gather(world, np.arange(50), context), atol=1e-6
    )


def test_a_wrong_call_is_an_exception_not_a_bad_read() -> None:
    world = World.allocate(10)
    context = F.FeatureContext(10)
    rows = RowGatherer(world, context)
    out = np.empty((10, F.N_FEATURES), np.float32)
    with pytest.raises(IndexError, match="slot 10"):
        rows.gather(np.array([1, 10]), out)
    with pytest.raises(IndexError, match="slot -1"):
        rows.gather(np.array([-1]), out)
    with pytest.raises(ValueError, match="at least 11 rows"):
        rows.gather(np.arange(11) % 10, out)
    with pytest.raises(ValueError, match="float32"):
        rows.gather(np.arange(3), np.empty((10, F.N_FEATURES), np.float64))
    with pytest.raises(ValueError, match="columns"):
        rows.gather(np.arange(3), np.empty((10, F.N_FEATURES - 1), np.float32))


def test_the_numpy_way_is_still_there_when_asked() -> None:
    rng = np.random.default_rng(2)
    world = _random_world(rng, 40)
    context = _random_context(rng, world)
    slow = RowGatherer(world, context, native=False)
    assert not slow.native
    out = np.empty((40, F.N_FEATURES), np.float32)
    np.testing.assert_array_equal(
        slow.gather(np.arange(40), out), F.gather(world, np.arange(40), context)
    )


def test_the_decision_step_gathers_natively() -> None:
    step = DecisionStep(World.allocate(16), models=lambda: pytest.fail("no kind asked a model"))
    assert step.rows.native
