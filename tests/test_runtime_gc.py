"""The end of the runtime's frame: garbage collection timed apart from the scripts, run only
when enough has been allocated, and NPCs of a spawn wave frozen out of the collector's
walks — without any garbage being kept; and the frame's commands, packed once per frame."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_RATE, FRAME_SECONDS
from engine_bridge.sandbox import Sandbox


class _Node:
    other: Any = None


_litter: list[weakref.ref[_Node]] = []


class Bell(Npc):
    kind = "bell"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        self.emote("ding")  # a command a frame, gone with the frame


class Litterbug(Npc):
    kind = "litterbug"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        if self.recall("litter"):
            self.remember("litter", False)
            for _ in range(3000):  # reference cycles: only the collector frees them
                a, b = _Node(), _Node()
                a.other, b.other = b, a
            _litter.append(weakref.ref(a))


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that runs while the test does."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


def test_quiet_frames_collect_nothing_and_a_littering_frame_is_collected_after_it(
    collections: list[int],
) -> None:
    sandbox = Sandbox(Bell, Litterbug)
    try:
        bells = [sandbox.spawn("bell") for _ in range(8)]
        bug = sandbox.spawn("litterbug")
        sandbox.step(5)
        collections.clear()
        for _ in range(30):
            commands, _, gc_seconds = sandbox.runtime.tick(FRAME_SECONDS, b"")
            assert commands != b"\x90"  # the bells rang
            assert gc_seconds >= 0.0
        # Thirty frames that leave nothing behind start no collection at all.
        assert collections == []

        sandbox.npc(bug).remember("litter", True)
        _, _, gc_seconds = sandbox.runtime.tick(FRAME_SECONDS, b"")
        # The collection ran at the end of the littering frame, outside every handler, and
        # its time is reported as the frame's GC time.
        assert collections
        assert gc_seconds > 0.0
        assert _litter[-1]() is None
        assert len(bells) == 8
    finally:
        sandbox.close()


def test_a_spawn_wave_is_frozen_once_and_its_garbage_is_not() -> None:
    sandbox = Sandbox(Bell, Litterbug, capacity=256)
    try:
        frozen_before = gc.get_freeze_count()
        bug = sandbox.spawn("litterbug")
        slots = [sandbox.spawn("bell") for _ in range(100)]
        # The wave's first frame also leaves garbage, which makes a collection due.
        sandbox.npc(bug).remember("litter", True)
        sandbox.step(1)
        # The wave's NPCs left the collector's generations for the permanent one...
        assert gc.get_freeze_count() > frozen_before
        npc = sandbox.npc(slots[0])
        assert not any(o is npc for o in gc.get_objects())
        # ...but the frame's garbage was collected first, not frozen with them.
        assert _litter[-1]() is None
        frozen_after_wave = gc.get_freeze_count()
        sandbox.npc(bug).remember("litter", True)
        sandbox.step(10)
        # Once: the next due collection is an ordinary one (the count only drops, as
        # frozen objects are freed).
        assert _litter[-1]() is None
        assert gc.get_freeze_count() <= frozen_after_wave
        # Despawned, a frozen NPC is still freed (by reference counting).
        ref = weakref.ref(npc)
        del npc
        sandbox.runtime.despawn(slots[0])
        assert ref() is None
    finally:
        sandbox.close()


def test_the_runtime_leaves_the_collector_as_it_found_it_when_closed() -> None:
    enabled = gc.isenabled()
    sandbox = Sandbox(Bell, capacity=128)
    assert not gc.isenabled()
    for _ in range(70):
        sandbox.spawn("bell")
    sandbox.step(1)
    sandbox.close()
    assert gc.isenabled() == enabled
    assert gc.get_freeze_count() == 0


def test_a_command_that_cannot_be_packed_costs_its_frame_not_every_frame(tmp_path: Path) -> None:
    # A lone surrogate passes the schema (a string) but not msgpack (UTF-8 only). (A slot
    # past 64 bits no longer does: the schema bounds a slot to 32 bits.)
    (tmp_path / "overflow.py").write_text(
        "def on_frame(runtime, dt, events):\n"
        "    if runtime.frame == 0:\n"
        '        runtime.emit({"type": "say", "npc": 0, "text": "\\ud800"})\n'
        "    else:\n"
        '        runtime.emit({"type": "emote", "npc": 0, "emote": "shrug"})\n'
    )
    sandbox = Sandbox(script_dirs=[tmp_path])
    try:
        with pytest.raises(UnicodeEncodeError):
            sandbox.runtime.tick(FRAME_SECONDS, b"")
        assert sandbox.step(1) == [{"v": 1, "type": "emote", "npc": 0, "emote": "shrug"}]
    finally:
        sandbox.close()
