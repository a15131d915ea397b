"""A frame's events, timers and messages, delivered to the NPCs within the frame budget.

Engine events, voice events and due timers are posted to the :class:`EventBus` (see
:mod:`engine_bridge.core.event_bus` for the order) and delivered one handler call at a
time until the frame budget runs out; what is left is carried to the front of the next
frame's queue. The first always runs, so events move on however busy frames are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from engine_bridge.api import Event, Npc
from engine_bridge.core.event_bus import EventBus
from engine_bridge.core.script_guard import ScriptGuard

__all__ = ["EventDelivery"]

_Taken = list[tuple[int | None, Any]]  # (target slot or None for all, event or timer)


class EventDelivery:
    """Posts the frame's events to ``bus`` and delivers them to the live ``npcs`` (the
    scheduler's own dict, read, never written) through ``guard``."""

    def __init__(self, bus: EventBus, npcs: dict[int, Npc], guard: ScriptGuard) -> None:
        self.bus = bus
        self._npcs = npcs
        self._guard = guard
        # Sees each engine event (the message as pushed, and the kind of its NPC) once, just
        # before the event is delivered: a burst spread over frames reaches the story and the
        # NPCs in the same order, and within the same frame budget.
        self.observer: Callable[[dict[str, Any], str | None], None] | None = None
        # Engine events posted but not yet seen by the observer: id(event) -> (event,
        # message); the event is kept so that its id stays its own until it is observed.
        self._unobserved: dict[int, tuple[Event, dict[str, Any]]] = {}

    def post(
        self,
        engine_events: list[dict[str, Any]],
        voice_events: list[Event],
        timers_due: Iterable[Any],
    ) -> None:
        """Queue the frame's engine events (as :class:`Event`), voice events and due timers."""
        if self.observer is None:
            self.bus.post(
                (e.get("npc"), Event(e["type"], e.get("npc"), _fields(e))) for e in engine_events
            )
        else:
            unobserved = self._unobserved
            for e in engine_events:
                event = Event(e["type"], e.get("npc"), _fields(e))
                unobserved[id(event)] = (event, e)
                self.bus.post([(e.get("npc"), event)])
        self.bus.post((e.npc, e) for e in voice_events)
        for timer in timers_due:
            self.bus.post([(timer.slot, timer)])

    def deliver(self, budget_end: float) -> None:
        """Events and due timers, in order, until the frame budget runs out; what is left
        goes back to the front of the queue for the next frame. If the frame is interrupted
        between two deliveries (the tick's backstop), what was not delivered goes back too:
        an interrupted frame loses no event."""
        taken = self.bus.take()
        at = [0]  # the item being delivered; len(taken) once all are done or handed back
        try:
            self._deliver(taken, budget_end, at)
        finally:
            # Only an interrupt that escaped every handler gets here with work left: the
            # item being delivered counts as done (its handler was the one stopped).
            rest = at[0] + 1
            if rest < len(taken):
                self.bus.put_back(taken[rest:], self.bus.tells_in(len(taken), rest))

    def _deliver(self, taken: _Taken, budget_end: float, at: list[int]) -> None:
        clock = time.perf_counter
        npcs = self._npcs
        guard = self._guard
        unobserved = self._unobserved
        for index, (target, payload) in enumerate(taken):
            at[0] = index
            if target is None:  # a broadcast: one call per NPC, each may be the last
                if unobserved:
                    self._observe(payload, None)
                if not self._broadcast(taken, index, payload, budget_end):
                    at[0] = len(taken)  # the rest is back in the queue
                    return
                continue
            if index and clock() > budget_end:
                self.bus.put_back(taken[index:], self.bus.tells_in(len(taken), index))
                at[0] = len(taken)
                return
            npc = npcs.get(target)
            if unobserved:
                self._observe(payload, npc)
            if npc is None:
                continue
            if isinstance(payload, Event):
                guard.call(npc, "on_event", payload)
            elif not payload.cancelled:  # a timer (cancelled after it fell due: skipped)
                payload.fired = True
                guard.guarded(npc, "timer", payload.fn, payload.args)
        at[0] = len(taken)

    def _broadcast(self, taken: _Taken, index: int, payload: Any, budget_end: float) -> bool:
        """One call per NPC, each may be the last of the frame: False if the budget ran
        out, the NPCs not reached and the rest of ``taken`` then back in the queue."""
        clock = time.perf_counter
        npcs = self._npcs
        slots = list(npcs)
        for j, slot in enumerate(slots):
            if (index or j) and clock() > budget_end:
                rest = taken[index + 1 :]
                tells = self.bus.tells_in(len(taken), index + 1)
                self.bus.put_back([(s, payload) for s in slots[j:]] + rest, tells)
                return False
            npc = npcs.get(slot)
            if npc is not None:
                self._guard.call(npc, "on_event", payload)
        return True

    def _observe(self, payload: Any, npc: Npc | None) -> None:
        """Show an engine event to the observer (the story) the first time it is delivered."""
        pending = self._unobserved.pop(id(payload), None)
        if pending is not None and self.observer is not None:
            self.observer(pending[1], npc.kind if npc is not None else None)


def _fields(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("v", "type", "npc")}
