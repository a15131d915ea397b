"""The feature gatherer (engine_bridge/models/features.py) against a plain per-NPC
reference written from the documented definitions, on random worlds; the allies count
against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.models import features as F  # noqa: N812 (read as a formula)
from engine_bridge.models.allies import count_allies


def _random_world(rng: np.random.Generator, capacity: int, channels: int = 4) -> World:
    world = World.allocate(capacity, channels)
    # Half spread over a field, half crowded into a few cells (hordes, cell borders).
    spread = rng.uniform(-80.0, 80.0, (capacity, 3))
    crowd = rng.normal(0.0, 6.0, (capacity, 3)) + rng.choice([-8.0, 0.0, 16.0], (capacity, 1))
    world.position[:] = np.where(rng.random((capacity, 1)) < 0.5, spread, crowd)
    world.position[:, 2] *= 0.1
    world.heading[:] = rng.uniform(-4.0, 4.0, capacity)
    world.health[:] = rng.uniform(-0.2, 1.3, capacity)
    world.custom[:] = rng.uniform(-0.2, 1.2, (capacity, channels))
    world.perception[:] = rng.integers(0, 8, capacity)
    world.alive[:] = rng.random(capacity) < 0.85
    world.player_position[:] = rng.uniform(-20.0, 20.0, 3)
    world.position[3, :2] = world.player_position[:2]  # one NPC right on the player
    return world


def _random_context(rng: np.random.Generator, world: World) -> F.FeatureContext:
    context = F.FeatureContext(world.capacity)
    kinds = ["zombie", "ghoul", "townsfolk", "aethelred", "no_such_kind"]
    for slot in np.flatnonzero(world.alive):
        code = int(rng.integers(0, len(kinds)))
        context.place(int(slot), code, kinds[code])
    context.now = 100.0
    seen = rng.random(world.capacity) < 0.6
    context.last_seen_at[seen] = rng.uniform(0.0, 100.0, int(seen.sum()))
    for name in F.STORY_FLAGS:
        context.set_flag(name, rng.random() < 0.5)
    return context


def _block_allies(world: World, kinds: np.ndarray, slot: int) -> int:
    """Brute force: every other live NPC of the same kind whose ground cell is within one
    cell of this one's, in both axes."""
    if kinds[slot] < 0:
        return 0
    cell = [math.floor(float(v) / F.ALLY_CELL_M) for v in world.position[slot, :2]]
    count = 0
    for other in range(world.capacity):
        if other == slot or not world.alive[other] or kinds[other] != kinds[slot]:
            continue
        other_cell = [math.floor(float(v) / F.ALLY_CELL_M) for v in world.position[other, :2]]
        if abs(other_cell[0] - cell[0]) <= 1 and abs(other_cell[1] - cell[1]) <= 1:
            count += 1
    return count


def _reference_row(world: World, context: F.FeatureContext, slot: int) -> list[float]:
    """One NPC's features, straight from the definitions in features.py's docstring."""
    row = [0.0] * F.N_FEATURES
    if context.archetype_ids[slot] >= 0:
        row[F.column(f"archetype_{F.ARCHETYPES[context.archetype_ids[slot]]}")] = 1.0
    row[F.column("health")] = min(max(float(world.health[slot]), 0.0), 1.0)
    row[F.column("hunger")] = min(max(float(world.custom[slot, F.HUNGER_CHANNEL]), 0.0), 1.0)
    player, here = world.player_position, world.position[slot]
    dx, dy, dz = (float(player[i]) - float(here[i]) for i in range(3))
    row[F.column("player_distance")] = min(math.sqrt(dx * dx + dy * dy + dz * dz) / 30.0, 1.0)
    if math.hypot(dx, dy) < 1e-6:
        bearing = 0.0
    else:
        # Heading 0 faces +y, counter-clockwise: the facing angle from +x is heading + pi/2.
        bearing = math.atan2(dy, dx) - (float(world.heading[slot]) + math.pi / 2)
    row[F.column("player_bearing_sin")] = math.sin(bearing)
    row[F.column("player_bearing_cos")] = math.cos(bearing)
    row[F.column("sees_player")] = 1.0 if int(world.perception[slot]) & PERCEIVES_PLAYER else 0.0
    elapsed = context.now - float(context.last_seen_at[slot])
    row[F.column("since_seen")] = min(elapsed / 60.0, 1.0)
    row[F.column("allies")] = min(_block_allies(world, context.kind_ids, slot) / 8.0, 1.0)
    row[F.column("light")] = min(max(float(world.custom[slot, F.LIGHT_CHANNEL]), 0.0), 1.0)
    for name, value in zip(F.STORY_FLAGS, context.story_flags, strict=True):
        row[F.column(f"flag_{name}")] = float(value)
    return row


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gather_equals_the_per_npc_reference_on_random_worlds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    world = _random_world(rng, 240)
    context = _random_context(rng, world)
    slots = rng.permutation(np.flatnonzero(world.alive))[:150]
    slots = np.append(slots, 3)  # the NPC on the player
    rows = F.gather(world, slots, context)
    assert rows.dtype == np.float32
    assert rows.shape == (len(slots), F.N_FEATURES)
    expected = np.array([_reference_row(world, context, int(s)) for s in slots])
    np.testing.assert_allclose(rows, expected, rtol=0.0, atol=1e-6)
    # The generated worlds exercise every case: someone has allies, someone sees the player.
    assert (rows[:, F.column("allies")] > 0).any()
    assert (rows[:, F.column("sees_player")] == 1).any()
    assert (rows[:, F.column("since_seen")] == 1).any()


def test_gather_writes_into_the_callers_buffer_and_refuses_a_wrong_one() -> None:
    rng = np.random.default_rng(7)
    world = _random_world(rng, 64)
    context = _random_context(rng, world)
    slots = np.flatnonzero(world.alive)[:20]
    buffer = np.full((64, F.N_FEATURES), -7.0, np.float32)
    rows = F.gather(world, slots, context, out=buffer)
    assert np.shares_memory(rows, buffer)
    np.testing.assert_array_equal(buffer[: len(slots)], F.gather(world, slots, context))
    assert (buffer[len(slots) :] == -7.0).all()  # rows past the batch untouched
    with pytest.raises(ValueError, match="out must be float32"):
        F.gather(world, slots, context, out=np.zeros((64, F.N_FEATURES), np.float64))
    with pytest.raises(ValueError, match="out must be float32"):
        F.gather(world, slots, context, out=np.zeros((5, F.N_FEATURES), np.float32))


def test_a_world_without_channels_uses_the_contexts_hunger_and_light() -> None:
    world = World.allocate(4, channels=0)
    world.alive[:] = 1
    context = F.FeatureContext(4)
    context.hunger, context.light = 0.75, 0.25
    rows = F.gather(world, np.arange(4), context)
    assert (rows[:, F.column("hunger")] == 0.75).all()
    assert (rows[:, F.column("light")] == 0.25).all()
    context.light_channel = None  # a world with channels can opt out too
    world4 = World.allocate(4, channels=4)
    world4.custom[:, F.LIGHT_CHANNEL] = 0.9
    assert (F.gather(world4, np.arange(4), context)[:, F.column("light")] == 0.25).all()


def test_nan_from_the_engine_becomes_zero_and_an_empty_batch_is_empty() -> None:
    world = World.allocate(3)
    world.alive[:] = 1
    world.health[1] = np.nan
    context = F.FeatureContext(3)
    rows = F.gather(world, np.arange(3), context)
    assert rows[1, F.column("health")] == 0.0
    assert np.isfinite(rows).all()
    assert F.gather(world, np.array([], np.int64), context).shape == (0, F.N_FEATURES)


def test_observe_stamps_the_npcs_that_perceive_the_player() -> None:
    world = World.allocate(3)
    world.alive[:] = [1, 1, 0]
    world.perception[:] = [PERCEIVES_PLAYER, 0, PERCEIVES_PLAYER]
    context = F.FeatureContext(3)
    context.observe(world, 12.0)
    assert context.last_seen_at.tolist() == [12.0, -np.inf, -np.inf]  # a free slot sees nothing
    context.observe(world, 42.0)
    rows = F.gather(world, np.array([0, 1]), context)
    assert rows[0, F.column("since_seen")] == 0.0  # perceived again at 42 s
    assert rows[1, F.column("since_seen")] == 1.0  # never


def test_every_feature_is_documented_and_story_flags_are_checked() -> None:
    assert len(set(F.FEATURE_NAMES)) == F.N_FEATURES == 22
    assert all(f.meaning and f.scale for f in F.FEATURES)
    assert F.neutral_row().dtype == np.float32
    context = F.FeatureContext(1)
    with pytest.raises(KeyError):
        context.set_flag("not_a_flag", True)
    context.set_flags({"town_knows": 1, "wraith_name": "Edith"})
    assert context.story_flags[F.STORY_FLAGS.index("town_knows")] == 1.0


@pytest.mark.parametrize("seed", [11, 12])
def test_allies_count_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    capacity = 300
    world = World.allocate(capacity)
    # A horde on cell borders: positions on multiples of the cell size, and negative ones.
    world.position[:, :2] = rng.integers(-5, 5, (capacity, 2)) * F.ALLY_CELL_M / 2
    world.position[:, :2] += rng.choice([0.0, -1e-4, 1e-4], (capacity, 2))
    world.alive[:] = rng.random(capacity) < 0.9
    kinds = rng.integers(-1, 3, capacity).astype(np.int32)
    slots = np.arange(capacity)  # dead and kindless slots asked too: they have no allies
    counts = count_allies(world.position, world.alive, kinds, slots, F.ALLY_CELL_M)
    # A dead slot asked about counts the live NPCs of its kind around it.
    expected = [_block_allies(world, kinds, s) for s in slots]
    assert counts.tolist() == expected
    assert max(expected) > 8  # crowded enough to pass the feature's cap
