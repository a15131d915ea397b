"""The per-frame scheduler: one vectorised update over the world, then the handlers due
this frame, each under a time budget and an exception guard.

A frame (:meth:`Scheduler.tick`):
1. distances from every NPC to the player in one numpy operation;
2. events routed to ``on_event`` (event_delivery.py; event_bus.py for the order);
3. the decision models, once for all the NPCs due this frame of the kinds that ask each
   model (decisions.py; ``engine_bridge/models/decision_step.py``), so that their
   ``on_tick`` reads ``self.decision``;
4. ``on_tick`` for the NPCs whose turn it is (turn_plan.py: an NPC with decision rate r
   ticks every ``FRAME_RATE / r`` frames, spread evenly over frames);
5. when the frame budget runs out, the remaining handlers move to the next frame.

Every handler runs through the :class:`ScriptGuard` (script_guard.py): a handler that
raises or overruns its budget is reported once per place and its NPC falls back; a script
that keeps failing is quarantined until its file is edited.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from engine_bridge.api import Event, Npc
from engine_bridge.core.budget import Deadline, ThreadDeadline
from engine_bridge.core.decisions import DecisionBoard, DecisionMaker, models_of
from engine_bridge.core.event_bus import EventBus
from engine_bridge.core.event_delivery import EventDelivery
from engine_bridge.core.nearby_query import NearbyQuery
from engine_bridge.core.script_guard import ScriptGuard
from engine_bridge.core.script_profile import ScriptProfile
from engine_bridge.core.timers import Timers
from engine_bridge.core.turn_plan import TurnPlan
from engine_bridge.core.world import World
from engine_bridge.protocol.messages import COMMAND_FIELDS, validate
from engine_bridge.scripting.npc_memory import InMemoryNpcMemory, Memorable, NpcMemory
from engine_bridge.scripting.services import GameClock, Messaging, NpcServices, Voice, WorldView

if TYPE_CHECKING:
    from engine_bridge.content.knowledge import KnowledgeBase
    from engine_bridge.content.story import StoryBook

__all__ = ["Scheduler", "classes_in"]

log = logging.getLogger("aicore.scheduler")


class Scheduler:
    """Runs the frame; builds the NPCs' :class:`NpcServices` once and hands them to each
    NPC at spawn. ``memory`` (default: in memory), ``story`` and ``knowledge`` are the
    systems NPCs reach through it; ``emit_sink`` receives the validated commands;
    ``say_sink`` and ``speak_sink`` voice what NPCs say; ``decisions`` runs the decision
    models (none: every ``self.decision`` is None)."""

    def __init__(
        self,
        world: World,
        *,
        handler_budget_s: float = 0.005,
        frame_budget_s: float = 0.010,
        quarantine_after: int = 5,
        event_budget: int = 4096,
        deadline: Deadline | None = None,
        emit_sink: Callable[[dict[str, Any]], None] | None = None,
        say_sink: Callable[[Npc, str, float | None], None] | None = None,
        speak_sink: Callable[[Npc, str, dict[str, Memorable]], bool] | None = None,
        story: StoryBook | None = None,
        knowledge: KnowledgeBase | None = None,
        memory: NpcMemory | None = None,
        decisions: DecisionMaker | None = None,
    ) -> None:
        self.world = world
        self.decisions = decisions
        self.frame_budget_s = frame_budget_s
        self.event_budget = event_budget
        self.emit_sink = emit_sink
        self.classes: dict[str, type[Npc]] = {}
        self.npcs: dict[int, Npc] = {}
        self.clock = GameClock()
        self.guard = ScriptGuard(
            deadline if deadline is not None else ThreadDeadline(),
            handler_budget_s,
            quarantine_after,
        )
        self.bus = EventBus(self.event_budget)
        self.delivery = EventDelivery(self.bus, self.npcs, self.guard)
        self.turns = TurnPlan()
        self.neighbours = NearbyQuery(world, self.clock, self.npcs)
        self.player_distance = np.full(self.world.capacity, np.inf, np.float32)
        self._delta = np.empty((self.world.capacity, 3), np.float32)  # reused every frame
        # What the last frame had no time for: queued events, timers and messages, and
        # NPCs whose on_tick waits (the runtime reports a frame that left work as incomplete).
        self.carried_events = 0
        self.carried_handlers = 0

        voice = Voice()
        if say_sink is not None:
            voice = replace(voice, say=say_sink)
        if speak_sink is not None:
            voice = replace(voice, speak=speak_sink)
        self.services = NpcServices(
            world=WorldView.of(world, self.player_distance, self.neighbours.nearby),
            memory=memory if memory is not None else InMemoryNpcMemory(),
            timers=Timers(),
            story=story,
            knowledge=knowledge,
            voice=voice,
            messaging=Messaging(emit=self.emit, tell=self.tell),
            clock=self.clock,
            decisions=decisions.board if decisions is not None else DecisionBoard(world.capacity),
        )

    def replace_services(self, **changes: Any) -> None:
        """Swap members of the NPCs' services (``story=...``, ``memory=...``; see
        :class:`NpcServices`) for every NPC, live and future: for a system provided after
        the NPCs spawned, and for tests that stand in for one. ``world`` and ``clock`` are
        the scheduler's own (it writes them each frame), and so are ``decisions``: they
        cannot be swapped."""
        if {"world", "clock", "decisions"} & changes.keys():
            raise ValueError("the world view, the clock and the decisions are the scheduler's own")
        self.services = replace(self.services, **changes)
        for npc in self.npcs.values():
            npc._services = self.services

    # What the runtime reads of the services (the NPCs read them through their own).
    @property
    def story(self) -> StoryBook | None:
        return self.services.story

    @property
    def knowledge(self) -> KnowledgeBase | None:
        return self.services.knowledge

    @property
    def memory(self) -> NpcMemory:
        return self.services.memory

    @property
    def timers(self) -> Timers:
        return self.services.timers

    @property
    def frame(self) -> int:
        return self.clock.frame

    @property
    def time(self) -> float:
        """Game time, in seconds."""
        return self.clock.now

    # What the runtime, the memory watch and tests read and tune of the guard.
    @property
    def profiles(self) -> dict[str, ScriptProfile]:
        """Each script's profile, by script name."""
        return self.guard.profiles

    @property
    def reported(self) -> set[tuple[str, str]]:
        """The (script, place) failures already reported: each is reported once."""
        return self.guard.reported

    @property
    def handler_budget_s(self) -> float:
        """Each handler's budget; a change takes effect at the next frame."""
        return self.guard.handler_budget_s

    @handler_budget_s.setter
    def handler_budget_s(self, seconds: float) -> None:
        self.guard.handler_budget_s = seconds

    @property
    def quarantine_after(self) -> int:
        """How many failures quarantine a script."""
        return self.guard.quarantine_after

    @quarantine_after.setter
    def quarantine_after(self, failures: int) -> None:
        self.guard.quarantine_after = failures

    @property
    def event_observer(self) -> Callable[[dict[str, Any], str | None], None] | None:
        """Sees each engine event once, just before it is delivered (the story)."""
        return self.delivery.observer

    @event_observer.setter
    def event_observer(self, observer: Callable[[dict[str, Any], str | None], None] | None) -> None:
        self.delivery.observer = observer

    # -- kinds and NPCs -----------------------------------------------------------------

    def register(self, cls: type[Npc]) -> None:
        """Make ``cls`` the class of its kind; live NPCs of that kind switch to it, keeping
        their state, and get ``on_reload``."""
        old = self.classes.get(cls.kind)
        self.classes[cls.kind] = cls
        self._declare_models(cls)
        if old is None or old is cls:
            return
        for npc in self.npcs.values():
            if npc.kind == cls.kind:
                self.turns.unplan(npc.slot)
                npc.__class__ = cls
                # The new version may decide at another rate.
                self.turns.plan(npc, self.guard.profile_of(npc))
                self._place_decisions(npc)
                self.guard.call(npc, "on_reload")

    def _declare_models(self, cls: type[Npc]) -> None:
        if self.decisions is None:
            return
        try:
            models = models_of(cls)
        except TypeError as exc:
            log.error("%s: %s; its NPCs decide without a model", cls.__module__, exc)
            models = ()
        self.decisions.declare(cls.kind, models, cls.archetype)

    def _place_decisions(self, npc: Npc) -> None:
        if self.decisions is not None:
            self.decisions.place(npc.slot, npc.kind, *self.turns.turn_of(npc.slot))

    def spawn(self, slot: int, kind: str) -> Npc:
        """A new NPC of ``kind`` in ``slot``, its ``on_spawn`` run (an unknown kind idles)."""
        cls = self.classes.get(kind, Npc)
        if cls is Npc:
            log.warning("no script defines NPC kind %r; slot %d stands idle", kind, slot)
        npc = cls.__new__(cls)
        npc.slot = slot
        npc._services = self.services
        self.npcs[slot] = npc
        self.neighbours.place(slot, kind)
        self.turns.plan(npc, self.guard.profile_of(npc))
        self._place_decisions(npc)
        self.guard.call(npc, "on_spawn")
        return npc

    def despawn(self, slot: int) -> None:
        """Free ``slot``: its NPC, memory and timers are gone."""
        npc = self.npcs.pop(slot, None)
        if npc is not None:
            self.turns.unplan(slot)
            self.neighbours.free(slot)
            if self.decisions is not None:
                self.decisions.free(slot)
        self.services.memory.drop_slot(slot)
        self.services.timers.drop_slot(slot)

    # -- the frame ----------------------------------------------------------------------

    def tick(
        self, dt: float, engine_events: list[dict[str, Any]], voice_events: list[Event]
    ) -> None:
        """Run one frame (the module docstring lists its steps)."""
        began = time.perf_counter()
        self.guard.begin_frame()
        clock = self.clock
        clock.now += dt
        w = self.world
        alive = w.alive.astype(bool)
        # 1. vectorised update: every NPC's distance to the player at once, in buffers kept
        # from frame to frame (a third faster than einsum on fresh arrays at 1 000 slots).
        delta, distance = self._delta, self.player_distance
        np.subtract(w.position, w.player_position, out=delta)
        np.multiply(delta, delta, out=delta)
        np.add(delta[:, 0], delta[:, 1], out=distance)
        np.add(distance, delta[:, 2], out=distance)
        np.sqrt(distance, out=distance)
        distance[~alive] = np.inf

        # 2. events, in the documented order.
        self.delivery.post(engine_events, voice_events, self.services.timers.due(clock.now))
        budget_end = began + self.frame_budget_s
        self.delivery.deliver(budget_end)
        self.carried_events = len(self.bus)  # before end_frame: this frame's tells are not late
        self.bus.end_frame()

        # 3. the models decide for every NPC due this frame, before any of them ticks.
        if self.decisions is not None:
            self.decisions.decide(clock.frame, clock.now, self.services.story)
        # 4. on_tick for those whose turn it is (staggered), plus last frame's backlog.
        due = self.turns.due(clock.frame)
        self.turns.backlog = self.guard.tick_handlers(due, dt, budget_end)
        self.carried_handlers = len(self.turns.backlog)
        clock.frame += 1
        # Last: what NPCs remembered this frame is written in one go (a persistent store's
        # transaction), never in the middle of a handler.
        self.services.memory.flush()

    # -- actions ------------------------------------------------------------------------

    def emit(self, command: dict[str, Any]) -> None:
        """Validate ``command`` (docs/protocol.md) and hand it to the emit sink."""
        message = validate({"v": 1, **command}, COMMAND_FIELDS)
        if self.emit_sink is not None:
            self.emit_sink(message)

    def tell(
        self, sender: int, kind_or_slot: str | int, name: str, data: dict[str, Memorable]
    ) -> None:
        """A message from ``sender`` to one NPC (a slot) or every NPC of a kind but the
        sender, delivered next frame."""
        # The same shape as a custom event from the engine: type "custom", its name and data.
        event = Event("custom", sender, {"name": name, "data": data, "sender": sender})
        if isinstance(kind_or_slot, int):
            self.bus.post_next_frame([(kind_or_slot, event)])
            return
        self.bus.post_next_frame(
            [
                (slot, event)
                for slot, npc in self.npcs.items()
                if npc.kind == kind_or_slot and slot != sender
            ]
        )


def classes_in(module: Any) -> list[type[Npc]]:
    """The NPC kinds a script module defines."""
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Npc)
        and obj is not Npc
        and obj.kind
        and obj.__module__ == module.__name__
    ]
