"""Which NPCs of a model are due in a frame, as one array of slots, without a pass over
the NPCs.

The scheduler's turn plan (``engine_bridge/core/turn_plan.py``) gives each NPC a turn: it
ticks on every frame ``f`` with ``f % period == residue``. :class:`DueSlots` keeps the
slots of one model's NPCs in buckets by (period, residue), each bucket also as a numpy
array made when the bucket is first asked for after it changed. A frame's due slots are
then one bucket per period in use (one, mostly: a kind's NPCs share a decision rate), so
finding them costs a dictionary lookup, not a look at each NPC.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DueSlots"]

_NONE = np.zeros(0, np.intp)


class DueSlots:
    """The slots of one model's NPCs, by turn."""

    def __init__(self) -> None:
        self._turn_of: dict[int, tuple[int, int]] = {}  # slot -> (period, residue)
        self._buckets: dict[tuple[int, int], list[int]] = {}
        self._arrays: dict[tuple[int, int], np.ndarray] = {}  # made on demand
        self._periods: dict[int, int] = {}  # period -> buckets of that period

    def __len__(self) -> int:
        return len(self._turn_of)

    def __contains__(self, slot: int) -> bool:
        return slot in self._turn_of

    def add(self, slot: int, period: int, residue: int) -> None:
        """``slot`` takes its turn on frames ``f % period == residue`` (a slot already here
        moves to that turn)."""
        self.remove(slot)
        key = (period, residue % period)
        self._turn_of[slot] = key
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = []
            self._periods[period] = self._periods.get(period, 0) + 1
        bucket.append(slot)
        self._arrays.pop(key, None)

    def remove(self, slot: int) -> None:
        """``slot`` is no longer one of this model's NPCs (nothing if it was not)."""
        key = self._turn_of.pop(slot, None)
        if key is None:
            return
        bucket = self._buckets[key]
        bucket.remove(slot)
        self._arrays.pop(key, None)
        if not bucket:
            del self._buckets[key]
            self._periods[key[0]] -= 1
            if not self._periods[key[0]]:
                del self._periods[key[0]]

    def due(self, frame: int) -> np.ndarray:
        """The slots whose turn ``frame`` is, as an intp array (empty if none)."""
        parts = []
        for period in self._periods:
            key = (period, frame % period)
            array = self._arrays.get(key)
            if array is None:
                bucket = self._buckets.get(key)
                if bucket is None:
                    continue
                array = self._arrays[key] = np.array(bucket, np.intp)
            parts.append(array)
        if not parts:
            return _NONE
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
