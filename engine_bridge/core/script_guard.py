"""Script code under the handler budget and an exception guard.

A handler that raises (anything, including SystemExit) or overruns its budget is reported
once per place with file:line, NPC and traceback; its NPC runs ``fallback`` for that call.
After ``quarantine_after`` failures a script is quarantined — all its NPCs fall back —
until its file is edited. Time and failures are charged to the script's
:class:`ScriptProfile`.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from engine_bridge.api import Npc
from engine_bridge.core.budget import GATE_RAISED, GATE_SERIAL, Deadline, set_budget
from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.core.script_profile import ScriptProfile
from engine_bridge.scripting.failure_report import describe_failure

__all__ = ["ScriptGuard"]

# The scheduler's logger: these are the scheduler's reports, wherever the code now lives.
log = logging.getLogger("aicore.scheduler")

_Turn = tuple[Npc, ScriptProfile]  # turn_plan.Turn


class ScriptGuard:
    """Runs script code for NPCs: under the watchdog's gate (the handler budget, or a budget
    given to :meth:`arm`), every failure reported and charged to the script's profile.
    Also the budget ``ScriptHost`` and ``describe_failure`` arm around script code."""

    def __init__(self, deadline: Deadline, handler_budget_s: float, quarantine_after: int) -> None:
        self.deadline = deadline
        self.handler_budget_s = handler_budget_s
        self.quarantine_after = quarantine_after
        self.profiles: dict[str, ScriptProfile] = {}
        self.reported: set[tuple[str, str]] = set()  # (script, place): reported once
        self._profile_of: dict[type, ScriptProfile] = {}  # class -> its script's profile
        self._serial = 0  # numbers the guarded calls, for the watchdog's gate
        self._gate = deadline.gate
        self._gate_budget_s = handler_budget_s
        set_budget(self._gate, handler_budget_s)

    def begin_frame(self) -> None:
        """Enter the frame on the deadline; a handler budget changed since the last frame
        takes effect now."""
        self.deadline.enter()
        if self.handler_budget_s != self._gate_budget_s:
            self._gate_budget_s = self.handler_budget_s
            set_budget(self._gate, self.handler_budget_s)

    # -- scripts and their profiles -------------------------------------------------------

    def script_of(self, npc: Npc) -> str:
        """The name of the script that defines ``npc``'s class (its module's last part)."""
        module = type(npc).__module__
        return module.rsplit(".", 1)[-1] if module.startswith("npc_scripts.") else module

    def profile_of(self, npc: Npc) -> ScriptProfile:
        """The profile of the script that defines ``npc``'s class (cached per class)."""
        cls = type(npc)
        profile = self._profile_of.get(cls)
        if profile is None:
            profile = self._profile_of[cls] = self.profiles.setdefault(
                self.script_of(npc), ScriptProfile()
            )
        return profile

    def unquarantine(self, script: str) -> None:
        """Give ``script`` a fresh start (its file was edited): no failures, none reported."""
        profile = self.profiles.get(script)
        if profile is not None:
            profile.quarantined = False
            profile.fallback_broken = False
            profile.errors = 0
        self.reported = {r for r in self.reported if r[0] != script}

    # -- the gate -------------------------------------------------------------------------

    def arm(self, cpu_s: float | None = None, wall_s: float | None = None) -> None:
        """Put the script code that runs next under the handler budget, or under ``cpu_s``
        of CPU time (and ``wall_s`` of wall time) when given — for code the runtime calls
        outside :meth:`call`: a module's ``on_frame``, a script's loading. :meth:`disarm`
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

    # -- guarded calls --------------------------------------------------------------------

    def call(self, npc: Npc, handler: str, *args: Any) -> bool:
        """Run one of ``npc``'s handlers under its budget and guard."""
        return self.guarded(npc, handler, None, args)

    def guarded(
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

    def tick_handlers(self, due: Sequence[_Turn], dt: float, budget_end: float) -> list[_Turn]:
        """``on_tick`` for the NPCs due, in order, until the frame budget runs out; returns
        those it had no time for.

        The hot loop of a frame: what :meth:`call` does, with every lookup done at spawn
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
        rest: list[_Turn] = []
        for npc, profile in due:
            if now > budget_end and npc is not due[0][0]:  # the first always runs: progress
                index = next(i for i, e in enumerate(due) if e[0] is npc)
                rest = list(due[index:])
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
        return rest

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
