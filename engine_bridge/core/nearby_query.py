"""``Npc.nearby``: the NPCs within a radius of one, of some kinds, nearest first.

Vectorised over a spatial grid built once a frame (spatial_index.py) and a table of kind
codes per slot: only the NPCs returned become Python objects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from engine_bridge.api import Npc, NpcInfo
from engine_bridge.core.spatial_index import SpatialGrid
from engine_bridge.core.world import World
from engine_bridge.scripting.services import GameClock

__all__ = ["NearbyQuery"]


class NearbyQuery:
    """Answers ``nearby`` over ``world`` for the live ``npcs`` (the scheduler's own dict,
    read, never written); the grid is rebuilt at most once per ``clock`` frame."""

    def __init__(self, world: World, clock: GameClock, npcs: dict[int, Npc]) -> None:
        self.world = world
        self._clock = clock
        self._npcs = npcs
        self._grid = SpatialGrid()
        self._grid_frame = -1  # the frame the grid was built for
        self._kind_codes: dict[str, int] = {}
        self._kind_of = np.full(world.capacity, -1, np.int32)  # slot -> kind code
        self._wanted_tables: dict[str | tuple[str, ...] | None, np.ndarray] = {}

    def place(self, slot: int, kind: str) -> None:
        """``slot`` now holds an NPC of ``kind``."""
        self._kind_of[slot] = self._kind_codes.setdefault(kind, len(self._kind_codes))

    def free(self, slot: int) -> None:
        """``slot`` holds no NPC any more."""
        self._kind_of[slot] = -1

    def _wanted(self, kind: str | Iterable[str] | None) -> np.ndarray:
        """A table from kind code to "is it wanted?", indexed with ``_kind_of`` (whose -1, a
        free slot, reads the last entry: always False). Cached per question."""
        key = kind if kind is None or isinstance(kind, str) else tuple(kind)
        table = self._wanted_tables.get(key)
        if table is None or len(table) != len(self._kind_codes) + 1:
            table = np.zeros(len(self._kind_codes) + 1, bool)
            if key is None:
                table[:-1] = True
            else:
                names = (key,) if isinstance(key, str) else key
                table[[self._kind_codes[n] for n in names if n in self._kind_codes]] = True
            self._wanted_tables[key] = table
        return table

    def nearby(
        self,
        slot: int,
        radius: float,
        kind: str | Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[NpcInfo]:
        """NPCs other than ``slot`` within ``radius`` metres (of ``kind``, or of any of
        several kinds), nearest first, at most ``limit`` of them."""
        w = self.world
        if self._grid_frame != self._clock.frame:
            self._grid.rebuild(w.position, w.alive)
            self._grid_frame = self._clock.frame
        origin = w.position[slot]
        near = self._grid.candidates(float(origin[0]), float(origin[1]), float(radius))
        near = near[self._wanted(kind)[self._kind_of[near]]]
        delta = w.position[near] - origin
        squared = np.einsum("ij,ij->i", delta, delta)
        inside = np.flatnonzero((squared <= radius * radius) & (near != slot))
        order = inside[np.argsort(squared[inside], kind="stable")]
        if limit is not None:
            order = order[: max(0, limit)]
        npcs = self._npcs
        return [
            NpcInfo(s, npcs[s].kind, (p[0], p[1], p[2]), math.sqrt(d2))
            for s, p, d2 in zip(
                near[order].tolist(),
                w.position[near[order]].tolist(),
                squared[order].tolist(),
                strict=True,
            )
        ]
