"""How many NPCs of its own kind stand around each NPC: one vectorised count for a batch.

"Around" is a fixed block of the ground grid, not a circle: the ground (x, y) is cut into
square cells of ``cell_m`` metres, and an NPC's allies are the other live NPCs of its kind
whose cell is its own or one of the eight around it. So every ally within ``cell_m`` is
counted, and none farther than ``2 * sqrt(2) * cell_m``.

Why a block and not an exact radius: an exact count needs a distance test per pair of
neighbours, and a horde (hundreds of zombies in a few cells) makes that quadratic. The
block count is one histogram of the live NPCs by (kind, cell) -- a sort of their cell keys
-- and six binary searches per asking NPC (the three columns of its block are three key
ranges), whatever the crowd: O(N log N) for the histogram and O(Q log N) for Q asking
NPCs, with no Python loop over NPCs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["count_allies"]

# Cell keys pack (kind, column, row) into one int64. Cells are clipped one short of each
# end of their axis so that a neighbour (+-1) never wraps into another column or kind;
# 2**20 cells per axis at 8 m is 8 000 km, far beyond any level.
_AXIS = 1 << 21
_OFFSET = 1 << 20
_LOW, _HIGH = -_OFFSET + 1, _OFFSET - 2


def _cells(xy: np.ndarray, cell_m: float) -> np.ndarray:
    # Clipped while still floats, so that a position beyond any level lands on the edge
    # cell and a NaN (a broken engine write) on the lowest, the same on every platform.
    cells = np.floor(xy.astype(np.float64) / cell_m)
    np.clip(cells, _LOW, _HIGH, out=cells)
    cells[np.isnan(cells)] = _LOW
    return cells.astype(np.int64)


def _keys(kinds: np.ndarray, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return ((kinds.astype(np.int64) + 1) * _AXIS + (columns + _OFFSET)) * _AXIS + (rows + _OFFSET)


def count_allies(
    position: np.ndarray,
    alive: np.ndarray,
    kind_ids: np.ndarray,
    slots: np.ndarray,
    cell_m: float,
) -> np.ndarray:
    """For each of ``slots``, the live NPCs of the same kind in the 3 x 3 cell block around
    it, itself not counted.

    ``position`` is the world's (capacity, 3), ``alive`` its (capacity,) flags, ``kind_ids``
    a (capacity,) kind code per slot (negative: no kind, never anyone's ally). Returns a
    (len(slots),) int64 array.
    """
    slots = np.asarray(slots, np.int64)
    counts = np.zeros(slots.shape[0], np.int64)
    if slots.size == 0:
        return counts
    asking_kinds = kind_ids[slots]
    # Only NPCs of the kinds asked about enter the histogram (one kind per batch, mostly).
    kinds = np.unique(asking_kinds)
    of_kinds = kind_ids == kinds[0] if len(kinds) == 1 else np.isin(kind_ids, kinds)
    members = np.flatnonzero((alive != 0) & (kind_ids >= 0) & of_kinds)
    if members.size == 0:
        return counts
    member_cells = _cells(position[members, :2], cell_m)
    keys = np.sort(_keys(kind_ids[members], member_cells[:, 0], member_cells[:, 1]))

    # The rows of one column are consecutive keys, so each of the three columns of the
    # block is one key range. Asked in key order, binary searches walk the histogram
    # forwards (numpy starts each search where the last one ended).
    asking_cells = _cells(position[slots, :2], cell_m)
    asking_keys = _keys(asking_kinds, asking_cells[:, 0], asking_cells[:, 1])
    order = np.argsort(asking_keys, kind="stable")
    in_order = asking_keys[order]
    found = np.zeros(slots.shape[0], np.int64)
    for column in (-1, 0, 1):  # the block's three columns, not a loop over NPCs
        centre = in_order + column * _AXIS
        found += np.searchsorted(keys, centre + 1, "right")
        found -= np.searchsorted(keys, centre - 1, "left")
    counts[order] = found
    # An asking NPC that is alive and of a kind stands in its own cell: not its own ally.
    counts -= ((alive[slots] != 0) & (asking_kinds >= 0)).astype(np.int64)
    return counts
