"""A uniform grid over the ground plane (x, y) for "who is near this NPC?".

Rebuilt with a handful of numpy operations the first time it is asked in a frame (positions
only change between frames, when the engine writes them), so a frame in which no script
asks costs nothing. Live slots are sorted by cell key (column-major), so the cells of one
column that a query's circle touches are one contiguous run of that order: a query costs
two binary searches per column of cells it touches, then an exact 3-D distance test on the
candidates. The cost of ``nearby()`` therefore follows what it returns, not the number of
NPCs in the world.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

import numpy as np

__all__ = ["SpatialGrid"]

# Cell keys pack (column, row) into one integer; columns and rows are offset so negative
# coordinates map to positive keys. 2**20 cells per axis at 8 m a cell is 8 000 km.
_AXIS = 1 << 21
_OFFSET = 1 << 20
_MAX_COLUMNS = 64  # a circle wider than this many columns tests every NPC instead


class SpatialGrid:
    """Live NPC slots bucketed by ground cell."""

    def __init__(self, cell_size_m: float = 8.0) -> None:
        self.cell_size_m = cell_size_m
        self._inv = 1.0 / cell_size_m
        # Keys as a list: bisect on a list is a fraction of a numpy call's fixed cost.
        self._keys: list[int] = []
        self._slots = np.empty(0, np.int64)  # live slots, sorted by cell key

    def rebuild(self, position: np.ndarray, alive: np.ndarray) -> None:
        """Index every live slot at its current position."""
        live = np.flatnonzero(alive)
        cells = np.floor(position[live, :2] * self._inv).astype(np.int64)
        np.clip(cells, -_OFFSET, _OFFSET - 1, out=cells)
        keys = (cells[:, 0] + _OFFSET) * _AXIS + (cells[:, 1] + _OFFSET)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order].tolist()
        self._slots = live[order]

    def candidates(self, x: float, y: float, radius: float) -> np.ndarray:
        """Slots in the cells that a circle of ``radius`` around (x, y) touches: a superset
        of those within ``radius``."""
        keys = self._keys
        if not radius >= 0 or not keys:
            return self._slots[:0]
        inv = self._inv
        cx0, cx1 = _cell(x - radius, inv), _cell(x + radius, inv)
        if cx1 - cx0 > _MAX_COLUMNS:
            return self._slots
        row0, row1 = _cell(y - radius, inv) + _OFFSET, _cell(y + radius, inv) + _OFFSET
        spans = []
        for column in range(cx0 + _OFFSET, cx1 + _OFFSET + 1):
            base = column * _AXIS
            start = bisect_left(keys, base + row0)
            end = bisect_right(keys, base + row1, start)
            if end > start:
                spans.append(self._slots[start:end])
        if len(spans) == 1:
            return spans[0]
        return np.concatenate(spans) if spans else self._slots[:0]


def _cell(coordinate: float, inv: float) -> int:
    return min(max(math.floor(coordinate * inv), -_OFFSET), _OFFSET - 1)
