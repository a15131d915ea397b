"""Routes events to NPC handlers in a documented order, under a per-frame budget.

Order within a frame (docs/designers.md):
1. events from the engine, in the order the engine pushed them;
2. ``line_finished`` from the voice engine;
3. timers that fell due, earliest first;
4. messages NPCs sent each other (``tell``) during the previous frame.

At most ``budget`` events are delivered per frame; the rest wait, in order, for the next
frame. Nothing is dropped: ``deferred`` counts what had to wait.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

__all__ = ["EventBus"]


class EventBus:
    def __init__(self, budget: int = 4096) -> None:
        self.budget = budget
        self._queue: deque[tuple[int | None, Any]] = deque()
        self._next_frame: list[tuple[int | None, Any]] = []
        self.deferred = 0
        self.delivered = 0

    def post(self, items: Iterable[tuple[int | None, Any]]) -> None:
        """Queue (target slot or None for broadcast, payload) for this frame."""
        self._queue.extend(items)

    def post_next_frame(self, target: int | None, payload: Any) -> None:
        self._next_frame.append((target, payload))

    def take(self) -> list[tuple[int | None, Any]]:
        """This frame's share, oldest first; the rest stays queued."""
        n = min(self.budget, len(self._queue))
        out = [self._queue.popleft() for _ in range(n)]
        self.deferred += len(self._queue)
        self.delivered += n
        return out

    def end_frame(self) -> None:
        """Messages sent during this frame become next frame's."""
        self._queue.extend(self._next_frame)
        self._next_frame.clear()

    def __len__(self) -> int:
        return len(self._queue)
