"""Handler budgets are charged in the script's own CPU time: a machine busy with other work
never turns a healthy handler into a "runaway", a computing runaway is stopped at its
budget, and one blocked without computing is stopped by the wall-time backstop."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.sandbox import Sandbox


def _burn(seconds: float) -> None:
    """Spend ``seconds`` of this thread's own CPU time (however long that takes)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class Worker(Npc):
    kind = "worker"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        _burn(0.002)  # well inside a 5 ms budget
        self.remember("ticks", self.recall("ticks", 0) + 1)


class Spinner(Npc):
    kind = "spinner"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        while True:
            pass


class Sleeper(Npc):
    kind = "sleeper"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        time.sleep(0.03)  # blocked, not computing: over 5 ms of wall time, no CPU
        self.remember("woke", self.recall("woke", 0) + 1)


class Stuck(Npc):
    kind = "stuck"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        while True:  # waiting for something that never comes, computing nothing
            time.sleep(0.01)


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """Every core of the machine busy with another process, as on a developer's laptop
    compiling in the background."""
    import os

    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def test_healthy_handlers_never_time_out_on_a_busy_machine(busy_machine: None) -> None:
    box = Sandbox(Worker, capacity=8)
    box.runtime.scheduler.frame_budget_s = 60.0  # every handler runs every frame
    slots = [box.spawn("worker") for _ in range(4)]
    box.step(60)  # 240 handlers of 2 ms CPU each, preempted by the hogs
    assert box.runtime.script_errors == 0
    assert [box.npc(s).recall("ticks") for s in slots] == [60] * 4


def test_a_computing_runaway_is_stopped_beside_a_healthy_handler() -> None:
    box = Sandbox(Worker, Spinner, capacity=8)
    box.runtime.scheduler.frame_budget_s = 60.0
    box.spawn("spinner")
    healthy = box.spawn("worker")
    box.step(3)
    profile = box.runtime.profile()["test_budget"]
    assert "over its time budget" in profile["last_error"]
    assert box.npc(healthy).recall("ticks") == 3


def test_a_blocked_handler_is_charged_no_cpu_and_a_stuck_one_meets_the_backstop() -> None:
    box = Sandbox(Sleeper, Stuck, capacity=8)
    box.runtime.scheduler.frame_budget_s = 60.0
    sleeper = box.spawn("sleeper")
    box.step(2)
    assert box.runtime.script_errors == 0  # 30 ms asleep is not 30 ms of the script's CPU
    assert box.npc(sleeper).recall("woke") == 2
    box.spawn("stuck")
    box.step(1)  # returns: the wall-time backstop stopped it
    assert "over its time budget" in box.runtime.profile()["test_budget"]["last_error"]
