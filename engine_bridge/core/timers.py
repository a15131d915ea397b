"""``after(seconds, fn)``: timers in game time, fired by the scheduler between frames."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine_bridge.core.errors import ScriptLimitError

__all__ = ["MAX_PENDING_PER_NPC", "Timer", "TimerHandle", "Timers"]

# A script that schedules a timer from its own timer ("after(0, again)") doubling each
# time would grow without bound; no NPC needs more than this many waiting at once.
MAX_PENDING_PER_NPC = 256


class TimerHandle(Protocol):
    """What ``Npc.after`` returns: ``handle.cancel()`` and the call never happens."""

    def cancel(self) -> None:
        """Call it off: it will not run, even if it is due this very frame. Calling off a
        timer that already ran, or twice, does nothing."""
        ...

    @property
    def pending(self) -> bool:
        """True until it runs or is called off."""
        ...


@dataclass(order=True)
class Timer:
    """One ``after`` call; also its :class:`TimerHandle`. A cancelled timer stays where it
    is (a heap cannot remove from its middle cheaply) and is skipped when it falls due, or
    when it is delivered if it was already due."""

    due: float
    serial: int
    slot: int = field(compare=False)
    fn: Callable[..., object] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    fired: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def pending(self) -> bool:
        return not (self.cancelled or self.fired)


class Timers:
    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[Timer] = []
        self._serial = itertools.count(1)
        self._pending: dict[int, int] = {}  # slot -> timers waiting (cancelled ones included)

    def add(
        self, slot: int, seconds: float, fn: Callable[..., object], args: tuple[Any, ...]
    ) -> Timer:
        if not seconds >= 0:
            raise ValueError(f"after({seconds!r}): a timer cannot fire in the past")
        if not callable(fn):
            raise TypeError(f"after(): {fn!r} is not callable")
        waiting = self._pending.get(slot, 0)
        if waiting >= MAX_PENDING_PER_NPC:
            raise ScriptLimitError(
                f"after(): this NPC already has {waiting} timers waiting "
                f"(at most {MAX_PENDING_PER_NPC})"
            )
        self._pending[slot] = waiting + 1
        timer = Timer(self.now + seconds, next(self._serial), slot, fn, args)
        heapq.heappush(self._heap, timer)
        return timer

    def drop_slot(self, slot: int) -> None:
        for timer in self._heap:
            if timer.slot == slot:
                timer.cancel()

    def due(self, now: float) -> list[Timer]:
        """Timers due by ``now``, in due-time order."""
        self.now = now
        out = []
        while self._heap and self._heap[0].due <= now:
            timer = heapq.heappop(self._heap)
            left = self._pending.get(timer.slot, 1) - 1
            if left > 0:
                self._pending[timer.slot] = left
            else:
                self._pending.pop(timer.slot, None)
            if timer.cancelled:
                continue
            out.append(timer)
        return out

    def __len__(self) -> int:
        return len(self._heap)
