"""Per-script memory accounting: a script whose memory grows without bound is reported once,
with its file and figures, and quarantined, while a healthy script beside it keeps running;
a big but stable script, or one that spawns more NPCs, is not. The census is paced by
frames and objects, never by the clock, so these frames always give the same verdicts."""

from __future__ import annotations

import gc
import logging
import textwrap
from pathlib import Path

import pytest
from content_files import write_scripts
from script_sandboxes import probe_beside_healthy

from engine_bridge.sandbox import Sandbox
from engine_bridge.scripting.memory_watch import MemoryLimits

HEALTHY = """
from engine_bridge.api import Npc


class Good(Npc):
    kind = "good"
    decision_rate = 60.0

    def on_spawn(self):
        self.last = []

    def on_tick(self, dt):
        self.last = [self.position] * 10  # replaced, not kept: no growth
        self.remember("mood", "calm")
        self.emote("wave")
"""

# Ways a script once grew without bound; each keeps about 1 KiB more every tick.
LEAKS = {
    "attribute_list": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_spawn(self):
                self.history = []

            def on_tick(self, dt):
                self.history.append([self.slot] * 128)
    """,
    "remember_recall": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                self.remember("log", self.recall("log", []) + [[self.slot] * 128])
    """,
    "module_list": """
        SEEN = []

        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                SEEN.append([self.slot] * 128)
    """,
    "dict_by_frame": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_spawn(self):
                self.frame = 0
                self.by_frame = {}

            def on_tick(self, dt):
                self.frame += 1
                self.by_frame[self.frame] = [self.slot] * 128
    """,
    "class_attribute": """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0
            heard = []  # shared by every probe, and never emptied

            def on_tick(self, dt):
                self.heard.append([self.slot] * 128)
    """,
}

# Quick censuses, so that a leak shows within a few hundred frames.
QUICK = MemoryLimits(
    census_every_frames=4,
    growth_censuses=4,
    growth_floor_bytes=64 * 1024,
    objects_per_frame=128,
)
FRAMES = 240


def _box(tmp_path: Path, probe: str, limits: MemoryLimits = QUICK, probes: int = 2) -> Sandbox:
    body = "from collections import deque\n\nfrom engine_bridge.api import Npc\n\n"
    body += textwrap.dedent(probe)
    return probe_beside_healthy(tmp_path, HEALTHY, body, probes, memory_limits=limits)


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_a_leaking_script_is_reported_once_and_quarantined_beside_a_healthy_one(
    tmp_path: Path, leak: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aicore")
    box = _box(tmp_path, LEAKS[leak])
    good = box.good  # type: ignore[attr-defined]
    commands = box.step(FRAMES)
    profile = box.runtime.profile()
    assert profile["probe"]["quarantined"]
    [report] = box.runtime.memory.reports
    probe_file = str(tmp_path / "scripts" / "probe.py")
    assert (report.script, report.file, report.reason) == ("probe", probe_file, "growth")
    assert report.growth_bytes >= QUICK.growth_floor_bytes
    assert report.bytes >= QUICK.growth_factor * (report.bytes - report.growth_bytes)
    assert profile["probe"]["last_error"].startswith(probe_file + ": memory: ")
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith(probe_file)]
    assert len(logged) == 1  # once, though every later census still measures it
    # The healthy script ran every frame, and is measured, not quarantined.
    assert len([c for c in commands if c["npc"] == good and c["type"] == "emote"]) == FRAMES
    assert not profile["good"]["quarantined"]
    assert profile["good"]["memory_bytes"] > 0
    # Quarantined, the leak stops: its handlers no longer run, so nothing more is kept.
    kept = box.runtime.profile()["probe"]["memory_bytes"]
    more = box.step(60)
    assert len([c for c in more if c["npc"] == good]) == 60
    assert box.runtime.profile()["probe"]["memory_bytes"] == kept
    box.close()


def test_a_script_past_the_limit_is_quarantined_at_the_first_census(tmp_path: Path) -> None:
    limits = MemoryLimits(limit_bytes=1 << 20, census_every_frames=4)
    probe = """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_spawn(self):
                self.blob = bytes(2 << 20)
    """
    box = _box(tmp_path, probe, limits, probes=1)
    box.step(8)
    [report] = box.runtime.memory.reports
    assert report.reason == "limit"
    assert report.bytes >= 2 << 20
    assert box.runtime.profile()["probe"]["quarantined"]
    assert not box.runtime.profile()["good"]["quarantined"]
    box.close()


def test_a_script_past_the_limit_is_quarantined_before_the_census_ends(tmp_path: Path) -> None:
    # A census of a big town spans many frames; a fast leak is stopped as soon as what is
    # counted of it so far passes the cap.
    limits = MemoryLimits(limit_bytes=1 << 20, objects_per_frame=16, census_every_frames=1000)
    probe = """
        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_spawn(self):
                self.blobs = [bytes(100_000 + n) for n in range(30)]
                self.after(0.0, self.more)

            def more(self):
                self.later = [[n] for n in range(200)]  # more to count after the blobs
    """
    box = _box(tmp_path, probe, limits, probes=1)
    watch = box.runtime.memory
    for _ in range(20):
        box.step(1)
        if watch.reports:
            break
    [report] = watch.reports
    assert report.reason == "limit"
    assert report.bytes > 1 << 20
    assert watch.censuses == 0  # the census that found it was still under way
    assert box.runtime.profile()["probe"]["quarantined"]
    assert not box.runtime.profile()["good"]["quarantined"]
    box.close()


STABLE = """
    class Probe(Npc):
        kind = "probe"
        decision_rate = 60.0

        def on_spawn(self):
            self.table = list(range(100_000, 200_000))  # large, and kept as it is
            self.recent = deque(maxlen=16)  # grows to its bound, then stays

        def on_tick(self, dt):
            self.recent.append([self.slot] * 128)
            self.remember("seen", [self.slot] * 128)  # replaced each tick
"""


def test_a_large_but_stable_script_is_not_quarantined_and_its_bytes_are_shown(
    tmp_path: Path,
) -> None:
    box = _box(tmp_path, STABLE, probes=1)
    box.step(FRAMES)
    profile = box.runtime.profile()["probe"]
    assert not profile["quarantined"]
    assert box.runtime.memory.reports == []
    # Enough censuses for the growth rule to have judged it several times over.
    assert box.runtime.memory.censuses > 2 * QUICK.growth_censuses
    # 100 000 ints of 28 bytes in a list of 800 000: estimated from a sample, exactly here
    # since every item has the same size.
    table = 100_000 * 28 + 800_000
    assert table <= profile["memory_bytes"] <= table + 64 * 1024
    assert profile["memory_growth_bytes"] < 64 * 1024
    box.close()


def test_spawning_more_npcs_is_not_growth(tmp_path: Path) -> None:
    box = _box(tmp_path, STABLE, probes=0)
    sizes = []
    for _ in range(10):  # one more big NPC every census: the script's bytes keep growing
        box.spawn("probe")
        box.step(QUICK.census_every_frames)
        sizes.append(box.runtime.profile()["probe"]["memory_bytes"])
    assert sizes == sorted(sizes)
    assert sizes[-1] > 4 * sizes[0]
    assert not box.runtime.profile()["probe"]["quarantined"]
    box.close()


def test_a_module_that_leaks_while_its_npcs_come_and_go_is_quarantined(tmp_path: Path) -> None:
    box = _box(tmp_path, LEAKS["module_list"], probes=1)
    extra = None
    for _ in range(FRAMES // QUICK.census_every_frames):
        # Two probes at one census, one at the next: the script's NPCs never stay as many
        # from a census to the next, so only its module's own figures show the leak.
        if extra is None:
            extra = box.spawn("probe")
        else:
            box.runtime.despawn(extra)
            extra = None
        box.step(QUICK.census_every_frames)
    [report] = box.runtime.memory.reports
    assert (report.script, report.reason) == ("probe", "growth")
    assert "its module's data grew" in box.runtime.profile()["probe"]["last_error"]
    box.close()


def test_a_module_hook_that_leaks_is_stopped(tmp_path: Path) -> None:
    scripts = write_scripts(
        tmp_path / "scripts",
        good=HEALTHY,
        hook="FRAMES = {}\n\n"
        "def on_frame(runtime, dt, events):\n"
        "    FRAMES[runtime.frame] = [dt] * 128\n",
    )
    box = Sandbox(script_dirs=[scripts], capacity=4, memory_limits=QUICK)
    box.step(FRAMES)
    assert "hook" in box.runtime.scripts.quarantined
    assert box.runtime.profile()["hook"]["quarantined"]
    kept = len(box.runtime.scripts.modules["hook"].FRAMES)
    box.step(30)
    assert len(box.runtime.scripts.modules["hook"].FRAMES) == kept
    box.close()


def test_saving_the_script_again_lifts_the_memory_quarantine(tmp_path: Path) -> None:
    box = _box(tmp_path, LEAKS["attribute_list"])
    box.step(FRAMES)
    assert box.runtime.profile()["probe"]["quarantined"]
    path = tmp_path / "scripts" / "probe.py"
    path.write_text(path.read_text().replace("self.history.append", "self.history = ") + "\n")
    assert box.runtime.reload(path)
    box.step(FRAMES)
    profile = box.runtime.profile()["probe"]
    assert not profile["quarantined"]
    assert len(box.runtime.memory.reports) == 1
    box.close()


def test_the_census_spreads_over_frames_by_its_work_budget(tmp_path: Path) -> None:
    limits = MemoryLimits(census_every_frames=1, objects_per_frame=16, sample=4)
    many_globals = "".join(f"    G{n} = [{n}]\n" for n in range(100))
    box = _box(tmp_path, many_globals + STABLE, limits, probes=8)
    watch = box.runtime.memory
    frames = 0
    while watch.censuses == 0:
        box.step(1)
        frames += 1
        # One object past the budget at most: the container it was expanding.
        assert watch.last_work <= limits.objects_per_frame + 2 * limits.sample + 1
    assert frames > 2  # nine NPCs and two modules do not fit in one frame's work
    box.close()


HOSTILE = """
    class Meta(type):
        @property
        def __module__(cls):
            raise RuntimeError("metaclass property")

    class Odd(metaclass=Meta):
        pass

    class Trap:
        def __sizeof__(self):
            raise RuntimeError("sizeof")

        def __getattribute__(self, name):
            raise RuntimeError("getattribute")

        @property
        def __class__(self):
            raise RuntimeError("class")

    class Tricky(list):
        def __len__(self):
            raise RuntimeError("len")

        def __iter__(self):
            raise RuntimeError("iter")

    class Probe(Npc):
        kind = "probe"
        decision_rate = 60.0

        def on_spawn(self):
            self.traps = [Trap(), Odd(), Tricky([1, 2, 3] * 100)]

        def __sizeof__(self):
            raise RuntimeError("npc sizeof")
"""


def test_the_census_never_runs_a_scripts_code(tmp_path: Path) -> None:
    box = _box(tmp_path, HOSTILE, probes=1)
    box.step(20)  # would raise out of the frame if the census called any of the traps
    assert box.runtime.memory.censuses >= 2
    assert box.runtime.profile()["probe"]["memory_bytes"] > 300 * 8
    assert box.runtime.script_errors == 0
    box.close()


class _Attributes:
    def __init__(self) -> None:
        self.a = 1


def test_the_census_leaves_the_npcs_attributes_where_cpython_keeps_them(tmp_path: Path) -> None:
    # CPython 3.11+ keeps an object's attributes inline until something reads its
    # __dict__, which builds a dict and slows every later attribute access of that NPC.
    if any(type(r) is dict for r in gc.get_referents(_Attributes())):
        pytest.skip("this interpreter keeps every object's attributes in a dict")
    box = _box(tmp_path, STABLE, probes=2)
    box.step(40)
    assert box.runtime.memory.censuses >= 2
    assert box.runtime.profile()["probe"]["memory_bytes"] > 100_000 * 28
    for npc in box.runtime.scheduler.npcs.values():
        assert not any(type(r) is dict for r in gc.get_referents(npc)), npc
    box.close()
