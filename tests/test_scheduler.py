"""The scheduler: staggering, budgets, guards, fallback, quarantine, events, timers."""

from __future__ import annotations

import logging
import time

import pytest

from engine_bridge.api import Event, Npc
from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.sandbox import Sandbox


class Counter(Npc):
    kind = "counter"
    decision_rate = 2.0

    def on_tick(self, dt: float) -> None:
        self.remember("ticks", self.recall("ticks", 0) + 1)


class Broken(Npc):
    kind = "broken"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        raise ValueError("the designer's bug")

    def fallback(self, dt: float) -> None:
        self.remember("fell_back", self.recall("fell_back", 0) + 1)


class Runaway(Npc):
    kind = "runaway"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        while True:
            try:  # noqa: SIM105 - a designer trying to swallow the interrupt
                pass
            except Exception:
                pass


class Listener(Npc):
    kind = "listener"

    def on_event(self, event: Event) -> None:
        self.remember("seen", [*self.recall("seen", []), event.type])


def test_on_tick_runs_at_the_decision_rate_staggered_across_frames() -> None:
    sandbox = Sandbox(Counter, capacity=1200)
    # Staggering, not the budget, is under test: a preempted frame on a busy machine must
    # not push its NPCs into the next one.
    sandbox.runtime.scheduler.frame_budget_s = 60.0
    for _ in range(1000):
        sandbox.spawn("counter")
    npcs = [sandbox.npc(slot) for slot in sandbox.runtime.scheduler.npcs]
    per_frame = []
    for _ in range(60):
        before = sum(npc.recall("ticks", 0) for npc in npcs)
        sandbox.step(1)
        after = sum(npc.recall("ticks", 0) for npc in npcs)
        per_frame.append(after - before)
    # 2 decisions a second at 60 fps: every NPC ticks twice a second, about 1000/30 a frame.
    assert sum(per_frame) == 2000
    assert max(per_frame) <= 40
    assert min(per_frame) >= 26


def test_a_raising_handler_is_reported_once_with_file_line_npc_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = Sandbox(Broken, Counter)
    broken = sandbox.spawn("broken")
    healthy = sandbox.spawn("counter")
    with caplog.at_level(logging.ERROR, logger="aicore"):
        sandbox.step(3)
    reports = [r for r in caplog.records if "the designer's bug" in r.getMessage()]
    assert len(reports) == 1
    message = reports[0].getMessage()
    assert "test_scheduler.py:" in message
    assert f"NPC {broken}" in message
    assert "Traceback" in message
    assert sandbox.npc(broken).recall("fell_back") == 3
    assert sandbox.runtime.profile()["test_scheduler"]["errors"] == 3
    assert sandbox.npc(healthy).recall("ticks", 0) >= 0


def test_after_k_failures_the_script_is_quarantined_until_reloaded() -> None:
    sandbox = Sandbox(Broken)
    slot = sandbox.spawn("broken")
    sandbox.step(10)
    profile = sandbox.runtime.profile()["test_scheduler"]
    assert profile["quarantined"]
    assert profile["errors"] == 5  # no more calls once quarantined
    assert sandbox.npc(slot).recall("fell_back") == 10
    sandbox.runtime.scheduler.guard.unquarantine("test_scheduler")
    assert not sandbox.runtime.profile()["test_scheduler"]["quarantined"]


def test_a_runaway_handler_is_interrupted_and_the_frame_goes_on() -> None:
    class EveryFrame(Npc):
        kind = "every_frame"
        decision_rate = FRAME_RATE

        def on_tick(self, dt: float) -> None:
            self.remember("ticks", self.recall("ticks", 0) + 1)

    sandbox = Sandbox(Runaway, EveryFrame)
    sandbox.runtime.scheduler.handler_budget_s = 0.01
    sandbox.runtime.scheduler.frame_budget_s = 1.0  # this test is about the handler budget
    sandbox.spawn("runaway")
    other = sandbox.spawn("every_frame")
    sandbox.step(1)
    profile = sandbox.runtime.profile()["test_scheduler"]
    assert profile["errors"] == 1
    assert "over its time budget" in profile["last_error"]
    assert sandbox.npc(other).recall("ticks") == 1  # the same frame went on after it
    sandbox.step(2)
    assert sandbox.npc(other).recall("ticks") == 3


def test_the_frame_budget_moves_the_rest_of_the_work_to_the_next_frame() -> None:
    class Slow(Npc):
        kind = "slow"
        decision_rate = FRAME_RATE

        def on_tick(self, dt: float) -> None:
            self.remember("ticks", self.recall("ticks", 0) + 1)
            began = time.perf_counter()
            while time.perf_counter() - began < 1e-4:  # a tenth of a millisecond of work
                pass

    sandbox = Sandbox(Slow, capacity=400)
    slots = [sandbox.spawn("slow") for _ in range(400)]
    sandbox.runtime.scheduler.frame_budget_s = 0.002
    sandbox.step(1)
    ticked = sum(1 for s in slots if sandbox.npc(s).recall("ticks"))
    assert 0 < ticked < 400
    # Nobody starves: those that waited go first and every frame runs at least one, so
    # every NPC has ticked within one frame per NPC however slow this machine is (a fast
    # one needs about twenty).
    for _ in range(len(slots)):
        if all(sandbox.npc(s).recall("ticks") for s in slots):
            break
        sandbox.step(1)
    assert all(sandbox.npc(s).recall("ticks") for s in slots)
    assert len(sandbox.runtime.scheduler.turns.backlog) <= len(slots)  # and nothing piles up


def test_events_reach_handlers_in_the_documented_order() -> None:
    sandbox = Sandbox(Listener)
    a = sandbox.spawn("listener")
    npc = sandbox.npc(a)
    npc.after(0.0, lambda: npc.remember("seen", [*npc.recall("seen", []), "timer"]))
    sandbox.send("player_seen", npc=a)
    sandbox.send("custom", name="bell_tolls")
    sandbox.step(1)
    assert npc.recall("seen") == ["player_seen", "custom", "timer"]


def test_overflowing_the_event_budget_defers_without_dropping() -> None:
    sandbox = Sandbox(Listener)
    a = sandbox.spawn("listener")
    sandbox.runtime.scheduler.bus.budget = 10
    for _ in range(25):
        sandbox.send("player_seen", npc=a)
    sandbox.step(1)
    assert len(sandbox.npc(a).recall("seen")) == 10
    assert sandbox.runtime.scheduler.bus.deferred > 0
    sandbox.step(2)
    assert len(sandbox.npc(a).recall("seen")) == 25


def test_tell_reaches_npcs_of_a_kind_on_the_next_frame() -> None:
    class Bell(Npc):
        kind = "bell"

        def on_spawn(self) -> None:
            self.tell("listener", "bell_tolls", count=3)

    sandbox = Sandbox(Bell, Listener)
    listener = sandbox.spawn("listener")
    sandbox.spawn("bell")
    sandbox.step(1)
    assert sandbox.npc(listener).recall("seen") is None
    sandbox.step(1)
    assert sandbox.npc(listener).recall("seen") == ["custom"]


def test_nearby_lists_other_npcs_nearest_first() -> None:
    sandbox = Sandbox(Counter, Listener)
    me = sandbox.spawn("counter", at=(0.0, 0.0, 0.0))
    far = sandbox.spawn("listener", at=(8.0, 0.0, 0.0))
    near = sandbox.spawn("listener", at=(2.0, 0.0, 0.0))
    sandbox.spawn("listener", at=(30.0, 0.0, 0.0))
    assert [n.slot for n in sandbox.npc(me).nearby(10.0)] == [near, far]
    assert sandbox.npc(me).nearby(10.0, kind="counter") == []


def test_a_despawned_npc_never_ticks_again_and_a_reload_replans_its_rate() -> None:
    class Fast(Npc):
        kind = "fast"
        decision_rate = FRAME_RATE

        def on_tick(self, dt: float) -> None:
            self.remember("ticks", self.recall("ticks", 0) + 1)

    class Slower(Fast):
        decision_rate = 6.0  # the edited script decides ten times less often

    sandbox = Sandbox(Fast)
    gone, kept = sandbox.spawn("fast"), sandbox.spawn("fast")
    sandbox.step(5)
    sandbox.runtime.despawn(gone)
    sandbox.step(5)
    # A tick after despawn would have written its memory back.
    assert sandbox.runtime.scheduler.memory.view(gone) == {}
    assert sandbox.npc(kept).recall("ticks") == 10
    sandbox.runtime.scheduler.register(Slower)
    sandbox.step(60)
    assert sandbox.npc(kept).recall("ticks") == 16
