"""The garbage collector, run between frames instead of inside a handler.

A full collection over thousands of NPCs can take longer than a handler's budget, so it
must never start inside one. A runtime that manages the collector turns CPython's
automatic collection off and, between frames, runs the collections CPython would have
started on its own.
"""

from __future__ import annotations

import gc
import time

__all__ = ["FREEZE_AFTER_SPAWNS", "GarbageCollection"]

# NPCs spawned since the last gc.freeze() that make a spawn wave worth freezing.
FREEZE_AFTER_SPAWNS = 64


class GarbageCollection:
    """The collector while one runtime manages it: taken over by :meth:`take_over`, run by
    :meth:`between_frames`, given back as it was found by :meth:`give_back`."""

    def __init__(self) -> None:
        self.managed = False
        self._population_frozen = 0  # NPCs alive at the last gc.freeze()

    def take_over(self) -> None:
        """Turn automatic collection off; what is loaded now lives as long as the game."""
        self.managed = True
        gc.disable()
        # Garbage first (an earlier runtime's, say): frozen, it would never be freed.
        gc.collect()
        gc.freeze()  # what is loaded now (modules, content) lives as long as the game

    def between_frames(self, population: int) -> float:
        """The collection CPython would otherwise start by itself in the middle of a handler,
        with ``population`` NPCs alive; the seconds it took (0 when not managed)."""
        if not self.managed:
            return 0.0
        gc.disable()  # again: closing another runtime of the process gave it back
        began = time.perf_counter()
        # Most frames leave few new container objects behind (commands and events die with
        # the frame), so a young collection every frame would walk a near-empty generation
        # for nothing. Collect when CPython's own trigger would (gc.get_threshold(), which a
        # game may tune; 0 turns collection off): the young generation once its allocation
        # count passes the threshold, an older one once its count of younger collections
        # does.
        young, middle, old = gc.get_count()
        young_limit, middle_limit, old_limit = gc.get_threshold()
        if not young_limit or young <= young_limit:
            return time.perf_counter() - began
        self._population_frozen = min(self._population_frozen, population)
        if population - self._population_frozen >= FREEZE_AFTER_SPAWNS:
            # A spawn wave: its NPCs, their memories and timers live for minutes, and every
            # older-generation collection would walk them all again. Collect everything
            # once, so that no garbage is frozen with them, then move them out of the
            # collector's sight (reference counting still frees them when despawned).
            gc.collect()
            gc.freeze()
            self._population_frozen = population
        else:
            gc.collect(2 if old > old_limit else 1 if middle > middle_limit else 0)
        return time.perf_counter() - began

    def give_back(self) -> None:
        """The collector goes back as it was found; another runtime still running turns it
        off again at its next frame."""
        if self.managed:
            self.managed = False
            gc.unfreeze()
            gc.enable()
