"""nearby() over the spatial grid: the same answer as a scan of every NPC, for any radius,
kind filter and limit, wherever the NPCs stand (negative coordinates, one spot, far away)."""

from __future__ import annotations

import numpy as np
import pytest

from engine_bridge.api import Npc
from engine_bridge.core.spatial_index import SpatialGrid
from engine_bridge.sandbox import Sandbox


class Rat(Npc):
    kind = "rat"


class Crow(Npc):
    kind = "crow"


class Wolf(Npc):
    kind = "wolf"


KINDS = ["rat", "crow", "wolf"]


def _brute_force(box: Sandbox, slot: int, radius: float, kinds: set[str] | None) -> list[int]:
    p = box.world.position
    out = []
    for other, npc in box.runtime.scheduler.npcs.items():
        d = float(np.linalg.norm(p[other] - p[slot]))
        if other != slot and d <= radius and (kinds is None or npc.kind in kinds):
            out.append((d, other))
    return [s for _, s in sorted(out)]


@pytest.fixture(scope="module")
def crowd() -> Sandbox:
    box = Sandbox(Rat, Crow, Wolf, capacity=600)
    rng = np.random.default_rng(3)
    for i in range(500):
        x, y = rng.uniform(-60.0, 60.0, size=2)
        box.spawn(KINDS[i % 3], at=(float(x), float(y), float(rng.uniform(-2.0, 2.0))))
    for _ in range(5):  # a pile on one spot, on a cell corner
        box.spawn("rat", at=(16.0, 16.0, 0.0))
    box.spawn("wolf", at=(5000.0, -5000.0, 0.0))  # far from everyone
    return box


@pytest.mark.parametrize("radius", [0.0, 0.5, 3.0, 8.0, 12.5, 40.0, 1e6])
@pytest.mark.parametrize("kinds", [None, "rat", ("crow", "wolf"), ("nobody",)])
def test_nearby_matches_a_scan_of_every_npc(
    crowd: Sandbox, radius: float, kinds: str | tuple[str, ...] | None
) -> None:
    wanted = None if kinds is None else ({kinds} if isinstance(kinds, str) else set(kinds))
    for slot in [0, 7, 99, 250, 499, 500, 505]:
        got = crowd.npc(slot).nearby(radius, kind=kinds)
        assert [n.slot for n in got] == _brute_force(crowd, slot, radius, wanted) or (
            # equal distances may come in either order
            sorted(n.slot for n in got) == sorted(_brute_force(crowd, slot, radius, wanted))
        )
        for n in got:
            assert n.kind == crowd.npc(n.slot).kind
            assert n.distance <= radius
            assert n.position == pytest.approx(tuple(crowd.world.position[n.slot]))


def test_limit_keeps_the_nearest(crowd: Sandbox) -> None:
    everyone = crowd.npc(0).nearby(30.0)
    assert len(everyone) > 3
    assert crowd.npc(0).nearby(30.0, limit=3) == everyone[:3]
    assert crowd.npc(0).nearby(30.0, limit=0) == []


def test_the_grid_follows_moves_and_despawns_from_frame_to_frame() -> None:
    box = Sandbox(Rat, capacity=8)
    me = box.spawn("rat", at=(0.0, 0.0, 0.0))
    other = box.spawn("rat", at=(100.0, 0.0, 0.0))
    box.step(1)
    assert box.npc(me).nearby(5.0) == []
    box.world.position[other] = (3.0, 0.0, 0.0)  # the engine moved it between frames
    box.step(1)
    assert [n.slot for n in box.npc(me).nearby(5.0)] == [other]
    box.runtime.despawn(other)
    box.step(1)
    assert box.npc(me).nearby(5.0) == []


def test_candidates_are_a_superset_of_the_circle() -> None:
    grid = SpatialGrid(cell_size_m=4.0)
    rng = np.random.default_rng(1)
    position = rng.uniform(-20.0, 20.0, size=(300, 3)).astype(np.float32)
    alive = np.ones(300, np.uint8)
    alive[::7] = 0
    grid.rebuild(position, alive)
    for x, y, r in [(0.0, 0.0, 5.0), (-19.0, 19.0, 3.0), (7.9, -8.1, 0.1), (0.0, 0.0, 1e9)]:
        found = set(grid.candidates(x, y, r).tolist())
        inside = np.flatnonzero(
            (np.hypot(position[:, 0] - x, position[:, 1] - y) <= r) & (alive == 1)
        )
        assert set(inside.tolist()) <= found
        assert all(alive[s] for s in found)
