"""Routes events to NPC handlers in a documented order, under a per-frame budget.

Order within a frame (docs/designers.md):
1. events from the engine, in the order the engine pushed them;
2. ``line_finished`` from the voice engine;
3. timers that fell due, earliest first;
4. messages NPCs sent each other (``tell``) during the previous frame.

At most ``budget`` events are delivered per frame, and fewer when the frame's time budget
runs out first; the rest wait, in order, for the next frame. Nothing is dropped:
``deferred`` counts what had to wait. What scripts send each other is bounded instead: past
``max_in_flight`` messages waiting, ``tell`` is refused with a ScriptLimitError (an echo
storm between two kinds would otherwise grow without end).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from engine_bridge.core.errors import ScriptLimitError

__all__ = ["EventBus"]


class EventBus:
    """Two queues: what the engine, the voice engine and timers sent (first), and what
    scripts told each other (after, with what is left of the frame's share). A storm of
    ``tell`` thus delays only other ``tell``s, never an engine event or a timer."""

    def __init__(self, budget: int = 4096, max_in_flight: int = 65536) -> None:
        self.budget = budget
        self.max_in_flight = max_in_flight
        self._queue: deque[tuple[int | None, Any]] = deque()
        self._tells: deque[tuple[int | None, Any]] = deque()
        self._next_frame: list[tuple[int | None, Any]] = []
        self._taken_tells = 0  # how many of the last take() came from _tells (its tail)
        self.deferred = 0
        self.delivered = 0

    def post(self, items: Iterable[tuple[int | None, Any]]) -> None:
        """Queue (target slot or None for broadcast, payload) for this frame."""
        self._queue.extend(items)

    def post_next_frame(self, items: list[tuple[int | None, Any]]) -> None:
        """Queue messages from a script for the next frame, all or none."""
        waiting = len(self._tells) + len(self._next_frame)
        if waiting + len(items) > self.max_in_flight:
            raise ScriptLimitError(
                f"tell(): {waiting} messages are already waiting (at most {self.max_in_flight})"
            )
        self._next_frame.extend(items)

    def take(self) -> list[tuple[int | None, Any]]:
        """This frame's share, oldest first (the engine's queue, then scripts' messages);
        the rest stays queued."""
        n = min(self.budget, len(self._queue))
        out = [self._queue.popleft() for _ in range(n)]
        tells = min(self.budget - n, len(self._tells))
        out.extend(self._tells.popleft() for _ in range(tells))
        self._taken_tells = tells
        self.deferred += len(self._queue) + len(self._tells)
        self.delivered += n + tells
        return out

    def put_back(self, items: list[tuple[int | None, Any]], tells: int) -> None:
        """Return what the frame had no time for (a tail of the last take, whose last
        ``tells`` items were scripts' messages): it goes first next frame."""
        self._tells.extendleft(reversed(items[len(items) - tells :]))
        self._queue.extendleft(reversed(items[: len(items) - tells]))
        self.deferred += len(items)
        self.delivered -= len(items)

    def tells_in(self, taken: int, start: int) -> int:
        """How many of ``taken`` items from index ``start`` on are scripts' messages."""
        return min(self._taken_tells, taken - start)

    def end_frame(self) -> None:
        """Messages sent during this frame become next frame's."""
        self._tells.extend(self._next_frame)
        self._next_frame.clear()

    def __len__(self) -> int:
        return len(self._queue) + len(self._tells)
