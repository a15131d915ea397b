"""The per-frame scheduler: one vectorised update over the world, then the handlers due
this frame, each under a time budget and an exception guard.

A frame:
1. distances from every NPC to the player in one numpy operation;
2. events routed to ``on_event`` (see :mod:`engine_bridge.event_bus` for the order);
3. ``on_tick`` for the NPCs whose turn it is: an NPC with decision rate r ticks every
   ``fps / r`` frames, offset by its slot so the work is spread evenly over frames;
4. when the frame budget runs out, the remaining handlers move to the next frame.

A handler that raises (anything, including SystemExit) or overruns its budget is reported
once per place with file:line, NPC and traceback; its NPC runs ``fallback`` for that call.
After ``quarantine_after`` failures a script is quarantined — all its NPCs fall back —
until its file is edited.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine_bridge.api import Event, Npc, NpcInfo
from engine_bridge.budget import Deadline, ThreadDeadline
from engine_bridge.errors import ScriptTimeoutError
from engine_bridge.event_bus import EventBus
from engine_bridge.protocol import COMMAND_FIELDS, validate
from engine_bridge.timers import Timers
from engine_bridge.world import World

__all__ = ["Scheduler", "ScriptProfile", "classes_in"]

log = logging.getLogger("aicore.scheduler")

_FPS = 60.0


@dataclass
class ScriptProfile:
    """What designers look at: time and failures per script."""

    calls: int = 0
    seconds: float = 0.0
    errors: int = 0
    quarantined: bool = False
    last_error: str = ""

    @property
    def mean_us(self) -> float:
        return 1e6 * self.seconds / self.calls if self.calls else 0.0


@dataclass
class Scheduler:
    world: World
    handler_budget_s: float = 0.005
    frame_budget_s: float = 0.010
    quarantine_after: int = 5
    event_budget: int = 4096
    deadline: Deadline = field(default_factory=ThreadDeadline)
    emit_sink: Callable[[dict[str, Any]], None] | None = None
    say_sink: Callable[[Npc, str, float | None], None] | None = None
    speak_sink: Callable[[Npc, str, dict[str, Any]], bool] | None = None
    story: Any = None
    knowledge: Any = None

    classes: dict[str, type[Npc]] = field(default_factory=dict)
    npcs: dict[int, Npc] = field(default_factory=dict)
    memory: dict[int, dict[str, Any]] = field(default_factory=dict)
    profiles: dict[str, ScriptProfile] = field(default_factory=dict)
    reported: set[tuple[str, str]] = field(default_factory=set)
    timers: Timers = field(default_factory=Timers)
    frame: int = 0
    time: float = 0.0

    def __post_init__(self) -> None:
        self.bus = EventBus(self.event_budget)
        # period (frames) -> the frame residue an NPC ticks on -> its slots, in spawn order
        self._turns: dict[int, dict[int, list[int]]] = {}
        self._planned: dict[int, tuple[int, int]] = {}  # slot -> (period, turn)
        self.player_distance = np.full(self.world.capacity, np.inf, np.float32)
        self._backlog: list[int] = []  # slots whose on_tick was pushed to the next frame

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
        npc._scheduler = self
        self.npcs[slot] = npc
        self._plan(npc)
        self._call(npc, "on_spawn")
        return npc

    def despawn(self, slot: int) -> None:
        npc = self.npcs.pop(slot, None)
        if npc is not None:
            self._unplan(npc)
        self.memory.pop(slot, None)
        self.timers.drop_slot(slot)

    @staticmethod
    def _turn(npc: Npc) -> tuple[int, int]:
        period = max(1, round(_FPS / max(npc.decision_rate, 1e-3)))
        # (frame + phase) % period == 0  <=>  frame % period == -phase % period
        return period, -_phase(npc.slot) % period

    def _plan(self, npc: Npc) -> None:
        period, turn = self._planned[npc.slot] = self._turn(npc)
        self._turns.setdefault(period, {}).setdefault(turn, []).append(npc.slot)

    def _unplan(self, npc: Npc) -> None:
        planned = self._planned.pop(npc.slot, None)
        if planned is not None:
            self._turns[planned[0]][planned[1]].remove(npc.slot)

    def script_of(self, npc: Npc) -> str:
        module = type(npc).__module__
        return module.rsplit(".", 1)[-1] if module.startswith("npc_scripts.") else module

    def unquarantine(self, script: str) -> None:
        profile = self.profiles.get(script)
        if profile is not None:
            profile.quarantined = False
            profile.errors = 0
        self.reported = {r for r in self.reported if r[0] != script}

    # -- guarded calls ------------------------------------------------------------------

    def _call(self, npc: Npc, handler: str, *args: Any) -> bool:
        script = self.script_of(npc)
        profile = self.profiles.setdefault(script, ScriptProfile())
        fn = getattr(npc, handler)
        if profile.quarantined:
            if handler == "on_tick":
                self._fallback(npc, *args)
            return False
        began = time.perf_counter()
        self.deadline.arm(self.handler_budget_s)
        try:
            fn(*args)
            return True
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            self.deadline.disarm()
            self._failed(npc, script, handler, exc, profile)
            if handler == "on_tick":
                self._fallback(npc, *args)
            return False
        finally:
            self.deadline.disarm()
            profile.calls += 1
            profile.seconds += time.perf_counter() - began

    def _fallback(self, npc: Npc, *args: Any) -> None:
        # The fallback of a broken script may be broken too: the NPC then idles.
        with contextlib.suppress(Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError):
            npc.fallback(*args)

    def _failed(
        self, npc: Npc, script: str, handler: str, exc: BaseException, profile: ScriptProfile
    ) -> None:
        profile.errors += 1
        tb = exc.__traceback__
        where = f"{script}.py"
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith(f"{script}.py"):
                where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
            tb = tb.tb_next
        kind = "over its time budget" if isinstance(exc, ScriptTimeoutError) else type(exc).__name__
        profile.last_error = f"{where}: {kind}: {exc}"
        key = (script, f"{where}:{type(exc).__name__}")
        if key not in self.reported:  # report each failure place once, count the rest
            self.reported.add(key)
            log.error(
                "%s: %s in %s.%s (NPC %d, %s): %s\n%s",
                where,
                kind,
                type(npc).__name__,
                handler,
                npc.slot,
                npc.kind,
                exc,
                "".join(traceback.format_exception(exc)),
            )
        if profile.errors >= self.quarantine_after and not profile.quarantined:
            profile.quarantined = True
            log.error(
                "script %s quarantined after %d failures; edit it to retry", script, profile.errors
            )

    # -- the frame ----------------------------------------------------------------------

    def tick(
        self, dt: float, engine_events: list[dict[str, Any]], voice_events: list[Event]
    ) -> None:
        began = time.perf_counter()
        self.time += dt
        w = self.world
        alive = w.alive.astype(bool)
        # 1. vectorised update: every NPC's distance to the player at once.
        delta = w.position - w.player_position
        np.sqrt(np.einsum("ij,ij->i", delta, delta), out=self.player_distance)
        self.player_distance[~alive] = np.inf

        # 2. events, in the documented order.
        self.bus.post(
            (e.get("npc"), Event(e["type"], e.get("npc"), _fields(e))) for e in engine_events
        )
        self.bus.post((e.npc, e) for e in voice_events)
        for timer in self.timers.due(self.time):
            self.bus.post([(timer.slot, timer)])
        for target, payload in self.bus.take():
            if isinstance(payload, Event):
                self._deliver(target, payload)
            else:  # a timer
                npc = self.npcs.get(target) if target is not None else None
                if npc is not None:
                    self._call_timer(npc, payload)
        self.bus.end_frame()

        # 3. on_tick for those whose turn it is (staggered), plus last frame's backlog.
        # Those that waited go first; an NPC is never queued twice (order-preserving dedupe).
        # Turns are planned at spawn, so finding this frame's is one lookup per decision rate,
        # not a pass over every NPC.
        turns = [
            slot
            for period, by_turn in self._turns.items()
            for slot in by_turn.get(self.frame % period, ())
        ]
        due = list(dict.fromkeys(self._backlog + turns)) if self._backlog else turns
        self._backlog = []
        budget_end = began + self.frame_budget_s
        for i, slot in enumerate(due):
            npc = self.npcs.get(slot)
            if npc is None:
                continue
            if time.perf_counter() > budget_end:
                self._backlog = [s for s in due[i:] if s in self.npcs]
                break
            self._call(npc, "on_tick", dt)
        self.frame += 1

    def _deliver(self, target: int | None, event: Event) -> None:
        if target is None:
            for npc in list(self.npcs.values()):
                self._call(npc, "on_event", event)
            return
        npc = self.npcs.get(target)
        if npc is not None:
            self._call(npc, "on_event", event)

    def _call_timer(self, npc: Npc, timer: Any) -> None:
        holder = _TimerCall(npc, timer.fn, timer.args)
        self._call(holder, "run")  # type: ignore[arg-type]

    # -- actions ------------------------------------------------------------------------

    def emit(self, command: dict[str, Any]) -> None:
        message = validate({"v": 1, **command}, COMMAND_FIELDS)
        if self.emit_sink is not None:
            self.emit_sink(message)

    def say(self, npc: Npc, line: str, *, intensity: float | None = None) -> None:
        if self.say_sink is not None:
            self.say_sink(npc, line, intensity)

    def speak(self, npc: Npc, topic: str, variables: dict[str, Any]) -> bool:
        return self.speak_sink(npc, topic, variables) if self.speak_sink is not None else False

    def tell(self, sender: int, kind_or_slot: str | int, name: str, data: dict[str, Any]) -> None:
        # The same shape as a custom event from the engine: type "custom", its name and data.
        event = Event("custom", sender, {"name": name, "data": data, "sender": sender})
        if isinstance(kind_or_slot, int):
            self.bus.post_next_frame(kind_or_slot, event)
            return
        for slot, npc in self.npcs.items():
            if npc.kind == kind_or_slot and slot != sender:
                self.bus.post_next_frame(slot, event)

    def nearby(self, slot: int, radius: float, kind: str | None) -> list[NpcInfo]:
        w = self.world
        d = np.linalg.norm(w.position - w.position[slot], axis=1)
        out = []
        for index in np.nonzero((d <= radius) & w.alive.astype(bool))[0]:
            other = int(index)
            npc = self.npcs.get(other)
            if other == slot or npc is None or (kind is not None and npc.kind != kind):
                continue
            p = w.position[other]
            out.append(
                NpcInfo(other, npc.kind, (float(p[0]), float(p[1]), float(p[2])), float(d[other]))
            )
        return sorted(out, key=lambda n: n.distance)


@dataclass
class _TimerCall:
    """A timer's callback, guarded and profiled like a handler of its NPC's script."""

    npc: Npc
    fn: Callable[..., None]
    args: tuple[Any, ...]

    @property
    def kind(self) -> str:
        return self.npc.kind

    @property
    def slot(self) -> int:
        return self.npc.slot

    def run(self) -> None:
        self.fn(*self.args)

    def fallback(self) -> None:
        pass


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
