"""Hostile and careless scripts beside a healthy one: the frames go on, the healthy NPC
keeps acting every frame, and the faulty script is reported at its own file:line and, when
it keeps failing, quarantined. Each case is a reproducer of a way a script once broke the
game (issue "Scripts can fail, the game cannot")."""

from __future__ import annotations

import logging
import textwrap
import time
from pathlib import Path

import pytest
from content_files import write_scripts
from script_sandboxes import probe_beside_healthy

from engine_bridge.api import Event, Npc
from engine_bridge.core.timers import MAX_PENDING_PER_NPC
from engine_bridge.sandbox import Sandbox

HEALTHY = """
from engine_bridge.api import Npc


class Good(Npc):
    kind = "good"
    decision_rate = 60.0

    def on_spawn(self):
        self.after(0.0, self.beat)

    def beat(self):
        self.remember("beats", self.recall("beats", 0) + 1)
        self.after(0.0, self.beat)

    def on_tick(self, dt):
        self.emote("wave")
"""

CASES = {
    "str_raises": """
        class Typo(Exception):
            def __str__(self):
                return self.mesage  # the typo

        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                raise Typo()
    """,
    "str_loops": """
        class Endless(Exception):
            def __str__(self):
                while True:
                    pass

        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                raise Endless()
    """,
    "dict_cleared": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                self.__dict__.clear()
                raise ValueError("and now who am I?")
    """,
    "class_swapped": """
        class Other(Npc):
            kind = "other"

            def on_tick(self, dt):
                raise ValueError("swapped")

        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                self.__class__ = Other
                raise ValueError("swapping")
    """,
    "timer_fails": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_spawn(self):
                self.after(0.0, self.boom)

            def boom(self):
                self.after(0.0, self.boom)
                raise ValueError("timer bug")
    """,
    "timer_in_the_past": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                self.after(-1.0, print)
    """,
    "timers_double": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 1.0

            def on_spawn(self):
                self.after(0.0, self.again)

            def again(self):
                self.after(0.0, self.again)
                self.after(0.0, self.again)
    """,
    "tell_storm": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 1.0

            def on_spawn(self):
                self.tell("probe", "ping")

            def on_event(self, event):
                if event.type == "custom":
                    self.tell("probe", "ping")
                    self.tell("probe", "ping")
    """,
    "fallback_loops": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                raise ValueError("first this")

            def fallback(self, dt):
                while True:
                    pass
    """,
    "system_exit": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                raise SystemExit(3)
    """,
    "swallows_the_interrupt": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                while True:
                    try:
                        while True:
                            pass
                    except BaseException:
                        pass
    """,
}

FRAMES = 30


def _run(tmp_path: Path, case: str, probes: int = 2) -> Sandbox:
    body = "from engine_bridge.api import Npc\n\n" + textwrap.dedent(CASES[case])
    return probe_beside_healthy(tmp_path, HEALTHY, body, probes)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_script_beside_a_healthy_one(
    tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aicore")
    box = _run(tmp_path, case)
    commands = box.step(FRAMES)  # every frame returns
    good = box.good  # type: ignore[attr-defined]
    waves = [c for c in commands if c["type"] == "emote" and c["npc"] == good]
    assert len(waves) == FRAMES  # the healthy NPC acted in every frame
    assert box.npc(good).recall("beats") >= FRAMES - 1  # and its timers kept firing
    profile = box.runtime.profile()["probe"]
    assert profile["errors"] >= 1
    probe_file = str(tmp_path / "scripts" / "probe.py")
    assert profile["last_error"].startswith(probe_file + ":"), profile["last_error"]
    reports = [r for r in caplog.records if r.getMessage().startswith(probe_file + ":")]
    assert reports, "the failure was not reported at the script's own file:line"
    places = [r.getMessage().split(" ", 1)[0] for r in reports]
    assert len(places) == len(set(places))  # each place once, however often it failed
    assert "good" not in box.runtime.profile() or box.runtime.profile()["good"]["errors"] == 0


@pytest.mark.parametrize(
    "case", ["str_raises", "dict_cleared", "timer_fails", "system_exit", "fallback_loops"]
)
def test_a_script_that_keeps_failing_is_quarantined(tmp_path: Path, case: str) -> None:
    box = _run(tmp_path, case)
    box.step(FRAMES)
    assert box.runtime.profile()["probe"]["quarantined"]


def test_doubling_timers_are_bounded_and_reported(tmp_path: Path) -> None:
    box = _run(tmp_path, "timers_double", probes=1)
    box.step(FRAMES)
    assert len(box.runtime.scheduler.timers) <= MAX_PENDING_PER_NPC + 2
    assert "ScriptLimitError" in box.runtime.profile()["probe"]["last_error"]


def test_a_tell_storm_is_bounded_and_reported(tmp_path: Path) -> None:
    box = _run(tmp_path, "tell_storm", probes=3)
    box.runtime.scheduler.bus.max_in_flight = 5_000
    box.step(FRAMES)
    bus = box.runtime.scheduler.bus
    assert len(bus) + len(bus._next_frame) <= 5_000 + 3
    assert "ScriptLimitError" in box.runtime.profile()["probe"]["last_error"]


class _Slow(Npc):
    """A millisecond of work per event. A class, not a script file: scripts may not
    import ``time`` (engine_bridge.scripting.script_imports), and this is about the frame budget."""

    kind = "slow"
    decision_rate = 1.0

    def on_event(self, event: Event) -> None:
        self.remember("heard", self.recall("heard", 0) + 1)
        end = time.thread_time() + 0.001
        while time.thread_time() < end:
            pass


def test_events_and_timers_wait_for_the_next_frame_when_the_budget_runs_out() -> None:
    box = Sandbox(_Slow, capacity=4)
    box.runtime.scheduler.frame_budget_s = 0.005
    slot = box.spawn("slow")
    for _ in range(40):
        box.send("heard_noise", npc=slot, at=[0.0, 0.0, 0.0], loudness=0.1)
    box.step(1)
    heard = box.npc(slot).recall("heard")
    assert 1 <= heard < 40  # the frame stopped at its budget...
    assert box.runtime.scheduler.bus.deferred > 0
    box.step(60)
    assert box.npc(slot).recall("heard") == 40  # ...and nothing was dropped


@pytest.mark.parametrize(
    "hook",
    [
        "def on_frame(runtime, dt, events):\n    raise ValueError('every frame')\n",
        "def on_frame(runtime, dt, events):\n    while True:\n        pass\n",
        "class Typo(Exception):\n    def __str__(self):\n        return self.nope\n\n"
        "def on_frame(runtime, dt, events):\n    raise Typo()\n",
    ],
    ids=["raises", "loops", "str_raises"],
)
def test_a_failing_module_hook_is_reported_once_and_quarantined(
    tmp_path: Path, hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aicore")
    scripts = write_scripts(tmp_path / "scripts", good=HEALTHY, hook=hook)
    box = Sandbox(script_dirs=[scripts], capacity=4)
    box.runtime.scheduler.frame_budget_s = 60.0
    good = box.spawn("good")
    commands = box.step(FRAMES)
    assert len([c for c in commands if c["npc"] == good]) == FRAMES
    assert "hook" in box.runtime.scripts.quarantined
    hook_file = str(scripts / "hook.py")
    places = [r.getMessage() for r in caplog.records if r.getMessage().startswith(hook_file)]
    assert len(places) == 1  # once, not once a frame
    assert box.runtime.scripts.errors == box.runtime.scripts.quarantine_after


def test_a_script_looping_at_import_is_reported_and_skipped_and_the_game_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aicore")
    scripts = write_scripts(tmp_path / "scripts", good=HEALTHY)
    box = Sandbox(script_dirs=[scripts], capacity=4)
    (scripts / "stuck.py").write_text("x = 0\nwhile True:\n    x += 1\n")
    box.runtime.scripts.load_budget_s = 0.2  # the same path as the default 2 s, sooner
    assert box.runtime.reload(scripts / "stuck.py") is False
    assert "stuck" not in box.runtime.scripts.modules
    good = box.spawn("good")
    assert any(c["npc"] == good for c in box.step(2))
    assert any(r.getMessage().startswith(f"{scripts / 'stuck.py'}:") for r in caplog.records)
    assert box.runtime.scripts.failures[-1].kind == "timeout"


def test_a_looping_on_spawn_is_interrupted_and_the_npc_falls_back(tmp_path: Path) -> None:
    scripts = write_scripts(
        tmp_path / "scripts",
        good=HEALTHY,
        probe="from engine_bridge.api import Npc\n\n"
        "class Probe(Npc):\n"
        "    kind = 'probe'\n\n"
        "    def on_spawn(self):\n"
        "        while True:\n"
        "            pass\n",
    )
    box = Sandbox(script_dirs=[scripts], capacity=4)
    box.spawn("probe")  # returns
    good = box.spawn("good")
    assert any(c["npc"] == good for c in box.step(2))
    assert "over its time budget" in box.runtime.profile()["probe"]["last_error"]


@pytest.mark.parametrize(
    "hook_body",
    ["raise SystemExit(3)", "raise KeyboardInterrupt", "while True:\n        pass"],
    ids=["system_exit", "keyboard_interrupt", "loops"],
)
def test_a_story_hook_that_exits_or_loops_never_escapes_the_frame(
    tmp_path: Path, hook_body: str, repo: Path
) -> None:
    scripts = write_scripts(
        tmp_path / "scripts",
        good=HEALTHY,
        hooks="from engine_bridge.api import Npc\n\n"
        "class Hooker(Npc):\n"
        "    kind = 'hooker'\n\n"
        "    def on_spawn(self):\n"
        "        self.story.on_beat('a_door_on_tanners_row')(bad_hook)\n\n\n"
        f"def bad_hook(story):\n    {hook_body}\n",
    )
    box = Sandbox(
        script_dirs=[scripts, repo / "npc_scripts"], content_roots=[repo / "content"], capacity=8
    )
    box.runtime.scheduler.frame_budget_s = 60.0
    good = box.spawn("good")
    box.spawn("hooker")
    broker = box.spawn("aethelred")
    box.send("player_seen", npc=broker)  # completes the beat: the hook runs
    commands = box.step(3)  # returns: nothing escaped
    assert len([c for c in commands if c["npc"] == good]) == 3
    assert box.runtime.scheduler.story.flag("met_broker") is True  # the story went on
