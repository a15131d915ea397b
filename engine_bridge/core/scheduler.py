"""The per-frame scheduler: one vectorised update over the world, then the handlers due
this frame, each under a time budget and an exception guard.

A frame:
1. distances from every NPC to the player in one numpy operation;
2. events routed to ``on_event`` (see :mod:`engine_bridge.core.event_bus` for the order);
3. ``on_tick`` for the NPCs whose turn it is: an NPC with decision rate r ticks every
   ``fps / r`` frames, offset by its slot so the work is spread evenly over frames;
4. when the frame budget runs out, the remaining handlers move to the next frame.

A handler that raises (anything, including SystemExit) or overruns its budget is reported
once per place with file:line, NPC and traceback; its NPC runs ``fallback`` for that call.
After ``quarantine_after`` failures a script is quarantined — all its NPCs fall back —
until its file is edited.
"""

from __future__ import annotations

import inspect
import logging
import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from engine_bridge.api import Event, Npc, NpcInfo
from engine_bridge.core.budget import GATE_RAISED, GATE_SERIAL, Deadline, ThreadDeadline, set_budget
from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.core.event_bus import EventBus
from engine_bridge.core.spatial_index import SpatialGrid
from engine_bridge.core.timers import Timers
from engine_bridge.core.world import World
from engine_bridge.protocol.messages import COMMAND_FIELDS, validate
from engine_bridge.scripting.failure_report import describe_failure
from engine_bridge.scripting.npc_memory import InMemoryNpcMemory, Memorable, NpcMemory
from engine_bridge.scripting.services import GameClock, Messaging, NpcServices, Voice, WorldView

if TYPE_CHECKING:
    from engine_bridge.content.knowledge import KnowledgeBase
    from engine_bridge.content.story import StoryBook

__all__ = ["Scheduler", "ScriptProfile", "classes_in"]

log = logging.getLogger("aicore.scheduler")

_FPS = 60.0


@dataclass(slots=True)
class ScriptProfile:
    """What designers look at: time, failures and memory per script."""

    calls: int = 0
    seconds: float = 0.0
    errors: int = 0
    quarantined: bool = False
    last_error: str = ""
    fallback_broken: bool = False  # its fallback failed: its NPCs idle instead
    memory_bytes: int = 0  # what it keeps, at the last census (memory_watch.py)
    memory_growth_bytes: int = 0  # over its settled size, the least it measured since

    @property
    def mean_us(self) -> float:
        return 1e6 * self.seconds / self.calls if self.calls else 0.0


class Scheduler:
    """Runs the frame; builds the NPCs' :class:`NpcServices` once and hands them to each
    NPC at spawn. ``memory`` (default: in memory), ``story`` and ``knowledge`` are the
    systems NPCs reach through it; ``emit_sink`` receives the validated commands;
    ``say_sink`` and ``speak_sink`` voice what NPCs say."""

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
    ) -> None:
        self.world = world
        self.handler_budget_s = handler_budget_s
        self.frame_budget_s = frame_budget_s
        self.quarantine_after = quarantine_after
        self.event_budget = event_budget
        self.deadline: Deadline = deadline if deadline is not None else ThreadDeadline()
        self.emit_sink = emit_sink
        # Sees each engine event (the message as pushed, and the kind of its NPC) once, just
        # before the event is delivered: a burst spread over frames reaches the story and the
        # NPCs in the same order, and within the same frame budget.
        self.event_observer: Callable[[dict[str, Any], str | None], None] | None = None
        self.classes: dict[str, type[Npc]] = {}
        self.npcs: dict[int, Npc] = {}
        self.profiles: dict[str, ScriptProfile] = {}
        self.reported: set[tuple[str, str]] = set()
        self.clock = GameClock()

        self.bus = EventBus(self.event_budget)
        # period (frames) -> the frame residue an NPC ticks on -> its slots, in spawn order
        self._turns: dict[int, dict[int, list[_Entry]]] = {}
        self._planned: dict[int, tuple[int, int]] = {}  # slot -> (period, turn)
        self._entries: dict[int, _Entry] = {}  # slot -> what its on_tick needs
        self.player_distance = np.full(self.world.capacity, np.inf, np.float32)
        self._backlog: list[_Entry] = []  # on_ticks pushed to the next frame
        # Engine events posted but not yet seen by event_observer: id(event) -> (event,
        # message); the event is kept so that its id stays its own until it is observed.
        self._unobserved: dict[int, tuple[Event, dict[str, Any]]] = {}
        # What the last frame had no time for: queued events, timers and messages, and
        # NPCs whose on_tick waits (the runtime reports a frame that left work as incomplete).
        self.carried_events = 0
        self.carried_handlers = 0
        self._profile_of: dict[type, ScriptProfile] = {}  # class -> its script's profile
        self._serial = 0  # numbers the guarded calls, for the watchdog's gate
        self._gate = self.deadline.gate
        self._gate_budget_s = self.handler_budget_s
        set_budget(self._gate, self.handler_budget_s)
        self._grid = SpatialGrid()
        self._grid_frame = -1  # the frame the grid was built for
        self._kind_codes: dict[str, int] = {}
        self._kind_of = np.full(self.world.capacity, -1, np.int32)  # slot -> kind code
        self._wanted_tables: dict[str | tuple[str, ...] | None, np.ndarray] = {}

        voice = Voice()
        if say_sink is not None:
            voice = replace(voice, say=say_sink)
        if speak_sink is not None:
            voice = replace(voice, speak=speak_sink)
        self.services = NpcServices(
            world=WorldView.of(world, self.player_distance, self.nearby),
            memory=memory if memory is not None else InMemoryNpcMemory(),
            timers=Timers(),
            story=story,
            knowledge=knowledge,
            voice=voice,
            messaging=Messaging(emit=self.emit, tell=self.tell),
            clock=self.clock,
        )

    def replace_services(self, **changes: Any) -> None:
        """Swap members of the NPCs' services (``story=...``, ``memory=...``; see
        :class:`NpcServices`) for every NPC, live and future: for a system provided after
        the NPCs spawned, and for tests that stand in for one. ``world`` and ``clock`` are
        the scheduler's own (it writes them each frame): they cannot be swapped."""
        if "world" in changes or "clock" in changes:
            raise ValueError("the world view and the clock are the scheduler's own")
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

    # -- kinds and NPCs -----------------------------------------------------------------

    def register(self, cls: type[Npc]) -> None:
        """Make ``cls`` the class of its kind; live NPCs of that kind switch to it, keeping
        their state, and get ``on_reload``."""
        old = self.classes.get(cls.kind)
        self.classes[cls.kind] = cls
        if old is None or old is cls:
            return
        for npc in self.npcs.values():
            if npc.kind == cls.kind:
                self._unplan(npc)
                npc.__class__ = cls
                self._plan(npc)  # the new version may decide at another rate
                self._call(npc, "on_reload")

    def spawn(self, slot: int, kind: str) -> Npc:
        cls = self.classes.get(kind, Npc)
        if cls is Npc:
            log.warning("no script defines NPC kind %r; slot %d stands idle", kind, slot)
        npc = cls.__new__(cls)
        npc.slot = slot
        npc._services = self.services
        self.npcs[slot] = npc
        self._kind_of[slot] = self._kind_codes.setdefault(kind, len(self._kind_codes))
        self._plan(npc)
        self._call(npc, "on_spawn")
        return npc

    def despawn(self, slot: int) -> None:
        npc = self.npcs.pop(slot, None)
        if npc is not None:
            self._unplan(npc)
            self._kind_of[slot] = -1
        self.services.memory.drop_slot(slot)
        self.services.timers.drop_slot(slot)

    @staticmethod
    def _turn(npc: Npc) -> tuple[int, int]:
        period = max(1, round(_FPS / max(npc.decision_rate, 1e-3)))
        # (frame + phase) % period == 0  <=>  frame % period == -phase % period
        return period, -_phase(npc.slot) % period

    def _plan(self, npc: Npc) -> None:
        entry = self._entries[npc.slot] = (npc, self.profile_of(npc))
        period, turn = self._planned[npc.slot] = self._turn(npc)
        self._turns.setdefault(period, {}).setdefault(turn, []).append(entry)

    def _unplan(self, npc: Npc) -> None:
        entry = self._entries.pop(npc.slot, None)
        planned = self._planned.pop(npc.slot, None)
        if planned is not None and entry is not None:
            turn = self._turns[planned[0]][planned[1]]
            turn.pop(next(i for i, e in enumerate(turn) if e is entry))

    def script_of(self, npc: Npc) -> str:
        module = type(npc).__module__
        return module.rsplit(".", 1)[-1] if module.startswith("npc_scripts.") else module

    def unquarantine(self, script: str) -> None:
        profile = self.profiles.get(script)
        if profile is not None:
            profile.quarantined = False
            profile.fallback_broken = False
            profile.errors = 0
        self.reported = {r for r in self.reported if r[0] != script}

    # -- guarded calls ------------------------------------------------------------------

    def profile_of(self, npc: Npc) -> ScriptProfile:
        """The profile of the script that defines ``npc``'s class (cached per class)."""
        cls = type(npc)
        profile = self._profile_of.get(cls)
        if profile is None:
            profile = self._profile_of[cls] = self.profiles.setdefault(
                self.script_of(npc), ScriptProfile()
            )
        return profile

    def arm(self, cpu_s: float | None = None, wall_s: float | None = None) -> None:
        """Put the script code that runs next under the handler budget, or under ``cpu_s``
        of CPU time (and ``wall_s`` of wall time) when given — for code the runtime calls
        outside :meth:`_call`: a module's ``on_frame``, a script's loading. :meth:`disarm`
        after."""
        if cpu_s is not None:
            set_budget(self._gate, cpu_s, wall_s)
            self._gate_budget_s = -1.0  # restored by disarm
        self._serial += 1
        self._gate[GATE_SERIAL] = self._serial

    def disarm(self) -> None:
        self._gate[GATE_SERIAL] = 0
        if self._gate[GATE_RAISED]:
            self.deadline.cancel_pending()
        if self._gate_budget_s != self.handler_budget_s:
            self._gate_budget_s = self.handler_budget_s
            set_budget(self._gate, self.handler_budget_s)

    def _call(self, npc: Npc, handler: str, *args: Any) -> bool:
        """Run one of ``npc``'s handlers under its budget and guard."""
        return self._guarded(npc, handler, None, args)

    def _guarded(
        self, npc: Npc, handler: str, fn: Callable[..., Any] | None, args: tuple[Any, ...]
    ) -> bool:
        """Run ``fn(*args)`` (or the handler named ``handler``) for ``npc``'s script: under
        the handler budget, every failure reported and charged to that script."""
        profile = self.profile_of(npc)
        if profile.quarantined:
            if handler == "on_tick":
                self._fallback(npc, profile, *args)
            return False
        gate = self._gate
        began = time.perf_counter()
        self._serial += 1
        gate[GATE_SERIAL] = self._serial
        try:
            (fn if fn is not None else getattr(npc, handler))(*args)
            ok = True
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            self.disarm()  # reporting (a deep traceback, say) is not the script's time
            self._failed(npc, handler, exc, profile)
            if handler == "on_tick":
                self._fallback(npc, profile, *args)
            ok = False
        gate[GATE_SERIAL] = 0
        if gate[GATE_RAISED]:
            self.deadline.cancel_pending()
        profile.calls += 1
        profile.seconds += time.perf_counter() - began
        return ok

    def _tick_handlers(self, due: list[_Entry], dt: float, budget_end: float) -> None:
        """``on_tick`` for the NPCs due, in order, until the frame budget runs out.

        The hot loop of a frame: what :meth:`_call` does, with every lookup done at spawn
        (``due`` holds each NPC with its script's profile), one clock read per call (the end
        of one call is the start of the next) and the profile updated once per run of calls
        into the same script, so guarding and profiling a handler costs a fraction of a
        microsecond."""
        gate = self._gate
        clock = time.perf_counter
        serial = self._serial
        now = run_start = clock()
        run: ScriptProfile | None = None  # the script of the calls since run_start
        run_calls = 0
        for npc, profile in due:
            if now > budget_end and npc is not due[0][0]:  # the first always runs: progress
                index = next(i for i, e in enumerate(due) if e[0] is npc)
                self._backlog = due[index:]
                break
            if profile is not run:
                if run is not None:
                    run.calls += run_calls
                    run.seconds += now - run_start
                run, run_calls, run_start = profile, 0, now
            if profile.quarantined:
                self._fallback(npc, profile, dt)
                now = clock()
                continue
            serial += 1
            gate[0] = serial  # GATE_SERIAL: this handler runs (budget.py)
            try:
                npc.on_tick(dt)
            except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
                self._serial = serial
                self.disarm()  # reporting (a deep traceback, say) is not the script's time
                self._failed(npc, "on_tick", exc, profile)
                self._fallback(npc, profile, dt)
            gate[0] = 0
            if gate[1]:  # GATE_RAISED: an interrupt that came too late must not linger
                self.deadline.cancel_pending()
            run_calls += 1
            now = clock()
        if run is not None:
            run.calls += run_calls
            run.seconds += now - run_start
        self._serial = serial

    def _fallback(self, npc: Npc, profile: ScriptProfile, *args: Any) -> None:
        """What the NPC does while its script fails, under the budget too. A fallback that
        fails is reported once and not called again until the script is reloaded: the NPC
        then stands idle."""
        if profile.fallback_broken:
            return
        self.arm()
        try:
            npc.fallback(*args)
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            self.disarm()
            profile.fallback_broken = True
            self._failed(npc, "fallback", exc, profile)
        self.disarm()

    def _failed(self, npc: Npc, handler: str, exc: BaseException, profile: ScriptProfile) -> None:
        """Count, report (once per place) and maybe quarantine. Never raises: everything
        read from the script is guarded (failure_report.py)."""
        profile.errors += 1
        script = self._script_name(npc)
        report = describe_failure(exc, _script_file(npc), f"{script}.py", self)
        what = "over its time budget" if report.kind == "timeout" else report.kind
        profile.last_error = f"{report.where}: {what}" + (
            f": {report.message}" if report.message else ""
        )
        key = (script, f"{report.where}:{report.kind}")
        if key not in self.reported:  # report each failure place once, count the rest
            self.reported.add(key)
            log.error(
                "%s: %s in %s.%s (NPC %s, %s): %s\n%s",
                report.where,
                what,
                _safe_name(npc),
                handler,
                _safe_attr(npc, "slot"),
                _safe_attr(npc, "kind"),
                report.message,
                report.traceback,
            )
        if profile.errors >= self.quarantine_after and not profile.quarantined:
            profile.quarantined = True
            log.error(
                "script %s quarantined after %d failures; edit it to retry", script, profile.errors
            )

    def _script_name(self, npc: Npc) -> str:
        try:
            return self.script_of(npc)
        except BaseException:
            return "<unknown script>"

    # -- the frame ----------------------------------------------------------------------

    def tick(
        self, dt: float, engine_events: list[dict[str, Any]], voice_events: list[Event]
    ) -> None:
        began = time.perf_counter()
        self.deadline.enter()
        if self.handler_budget_s != self._gate_budget_s:  # changed since the last frame
            self._gate_budget_s = self.handler_budget_s
            set_budget(self._gate, self.handler_budget_s)
        clock = self.clock
        clock.now += dt
        w = self.world
        alive = w.alive.astype(bool)
        # 1. vectorised update: every NPC's distance to the player at once.
        delta = w.position - w.player_position
        np.sqrt(np.einsum("ij,ij->i", delta, delta), out=self.player_distance)
        self.player_distance[~alive] = np.inf

        # 2. events, in the documented order.
        if self.event_observer is None:
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
        for timer in self.services.timers.due(clock.now):
            self.bus.post([(timer.slot, timer)])
        budget_end = began + self.frame_budget_s
        self._deliver_events(self.bus.take(), budget_end)
        self.carried_events = len(self.bus)  # before end_frame: this frame's tells are not late
        self.bus.end_frame()

        # 3. on_tick for those whose turn it is (staggered), plus last frame's backlog.
        # Those that waited go first; an NPC is never queued twice (order-preserving dedupe).
        # Turns are planned at spawn, so finding this frame's is one lookup per decision rate,
        # not a pass over every NPC.
        frame = clock.frame
        turns = [
            entry
            for period, by_turn in self._turns.items()
            for entry in by_turn.get(frame % period, ())
        ]
        due = turns
        if self._backlog:
            entries = self._entries
            waiting = [e for e in self._backlog if entries.get(e[0].slot) is e]
            queued = {e[0].slot for e in waiting}
            due = waiting + [e for e in turns if e[0].slot not in queued]
            self._backlog = []
        self._tick_handlers(due, dt, budget_end)
        self.carried_handlers = len(self._backlog)
        clock.frame += 1
        # Last: what NPCs remembered this frame is written in one go (a persistent store's
        # transaction), never in the middle of a handler.
        self.services.memory.flush()

    def _deliver_events(self, taken: list[tuple[int | None, Any]], budget_end: float) -> None:
        """Events and due timers, in order, until the frame budget runs out; what is left
        goes back to the front of the queue for the next frame. The first always runs, so
        events move on however busy frames are. If the frame is interrupted between two
        deliveries (the tick's backstop), what was not delivered goes back too: an
        interrupted frame loses no event."""
        at = [0]  # the item being delivered; len(taken) once all are done or handed back
        try:
            self._deliver(taken, budget_end, at)
        finally:
            # Only an interrupt that escaped every handler gets here with work left: the
            # item being delivered counts as done (its handler was the one stopped).
            rest = at[0] + 1
            if rest < len(taken):
                self.bus.put_back(taken[rest:], self.bus.tells_in(len(taken), rest))

    def _deliver(
        self, taken: list[tuple[int | None, Any]], budget_end: float, at: list[int]
    ) -> None:
        clock = time.perf_counter
        npcs = self.npcs
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
                self._call(npc, "on_event", payload)
            elif not payload.cancelled:  # a timer (cancelled after it fell due: skipped)
                payload.fired = True
                self._guarded(npc, "timer", payload.fn, payload.args)
        at[0] = len(taken)

    def _broadcast(
        self, taken: list[tuple[int | None, Any]], index: int, payload: Any, budget_end: float
    ) -> bool:
        """One call per NPC, each may be the last of the frame: False if the budget ran
        out, the NPCs not reached and the rest of ``taken`` then back in the queue."""
        clock = time.perf_counter
        npcs = self.npcs
        slots = list(npcs)
        for j, slot in enumerate(slots):
            if (index or j) and clock() > budget_end:
                rest = taken[index + 1 :]
                tells = self.bus.tells_in(len(taken), index + 1)
                self.bus.put_back([(s, payload) for s in slots[j:]] + rest, tells)
                return False
            npc = npcs.get(slot)
            if npc is not None:
                self._call(npc, "on_event", payload)
        return True

    def _observe(self, payload: Any, npc: Npc | None) -> None:
        """Show an engine event to the observer (the story) the first time it is delivered."""
        pending = self._unobserved.pop(id(payload), None)
        if pending is not None and self.event_observer is not None:
            self.event_observer(pending[1], npc.kind if npc is not None else None)

    # -- actions ------------------------------------------------------------------------

    def emit(self, command: dict[str, Any]) -> None:
        message = validate({"v": 1, **command}, COMMAND_FIELDS)
        if self.emit_sink is not None:
            self.emit_sink(message)

    def tell(
        self, sender: int, kind_or_slot: str | int, name: str, data: dict[str, Memorable]
    ) -> None:
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
        several kinds), nearest first, at most ``limit`` of them. Vectorised over a spatial
        grid built once a frame: only the NPCs returned become Python objects."""
        w = self.world
        if self._grid_frame != self.clock.frame:
            self._grid.rebuild(w.position, w.alive)
            self._grid_frame = self.clock.frame
        origin = w.position[slot]
        near = self._grid.candidates(float(origin[0]), float(origin[1]), float(radius))
        near = near[self._wanted(kind)[self._kind_of[near]]]
        delta = w.position[near] - origin
        squared = np.einsum("ij,ij->i", delta, delta)
        inside = np.flatnonzero((squared <= radius * radius) & (near != slot))
        order = inside[np.argsort(squared[inside], kind="stable")]
        if limit is not None:
            order = order[: max(0, limit)]
        npcs = self.npcs
        return [
            NpcInfo(s, npcs[s].kind, (p[0], p[1], p[2]), math.sqrt(d2))
            for s, p, d2 in zip(
                near[order].tolist(),
                w.position[near[order]].tolist(),
                squared[order].tolist(),
                strict=True,
            )
        ]


_Entry = tuple[Npc, ScriptProfile]  # an NPC and the profile of its script


def _phase(slot: int) -> int:
    # A multiplicative hash of the slot: NPCs spawned in a repeating pattern of kinds would
    # otherwise line their decision frames up and make some frames far heavier than others.
    return (slot * 2654435761) % 4294967291


def _fields(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("v", "type", "npc")}


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


def _script_file(npc: Npc) -> str | None:
    try:
        module = sys.modules.get(type(npc).__module__)
        return str(module.__file__) if module is not None and module.__file__ else None
    except BaseException:
        return None


def _safe_name(npc: Npc) -> str:
    try:
        return str(type(npc).__name__)
    except BaseException:
        return "<npc>"


def _safe_attr(npc: Npc, name: str) -> str:
    try:
        return str(object.__getattribute__(npc, name))
    except BaseException:
        return "?"
