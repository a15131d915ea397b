"""The clips a runtime keeps are bounded (docs/vocal.md, "Clip memory"), driven through the
C ABI with the real voice engine and Flite: an NPC says one new text after another, each a
clip of its own, as a game whose lines carry changing ``{variables}`` does. Before the
budget every clip stayed for the runtime's life, and once the bank's 512 slots were full
every new line was silent. Now the least recently asked clip no line holds is retired and
freed, every line is still voiced, and a retired line said again is prepared again."""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from native_runtime import one_npc_runtime

from engine_bridge.content.clip_loader import ClipLoader, clip_budget_from_environment
from engine_bridge.core.frame import FRAME_SECONDS

REPO = Path(__file__).resolve().parents[1]
LINES = 10
# A Flite line "word N" is about 23 000 samples (92 kB of float32): three fit in 0.3 MB.
BUDGET_MB = 0.3

SCRIPT = f"""
from engine_bridge.api import Npc


class Talker(Npc):
    kind = "talker"
    archetype = "ghoul"
    decision_rate = 30.0

    def on_spawn(self):
        self.said = 0
        self.speaking = False

    def on_tick(self, dt):
        if not self.speaking and self.said < {LINES} + 2:
            self.speaking = True
            self.said += 1
            # Lines 1..{LINES} are new texts; then line 1 again, retired long ago.
            number = self.said if self.said <= {LINES} else self.said - {LINES}
            self.say(f"word {{number}}")

    def on_event(self, event):
        if event.type == "line_finished":
            self.speaking = False
            self.emote("ended_" + event.data["how"])


def on_frame(runtime, dt, events):
    clips = runtime.voices.clip_loader
    kept, size = clips.kept()
    state = f"clips_{{runtime.audio.clip_count()}}_{{kept}}_{{size}}_{{clips.retired}}"
    runtime.emit({{"type": "emote", "npc": 0, "emote": state}})
"""


class Engine:
    """The game side of one runtime: ticks, renders a few blocks a frame, drains."""

    def __init__(self, lib: ctypes.CDLL, rt: ctypes.c_void_p) -> None:
        self.lib, self.rt = lib, rt
        self.left, self.right = (ctypes.c_float * 512)(), (ctypes.c_float * 512)()
        self.buffer = (ctypes.c_uint8 * (1 << 16))()

    def frame(self) -> list[str]:
        assert self.lib.aicore_tick(self.rt, FRAME_SECONDS) == 0
        for _ in range(8):  # audio faster than real time: the lines end sooner
            assert self.lib.aicore_audio_render(self.rt, self.left, self.right, 512) == 0
        written = ctypes.c_size_t()
        assert (
            self.lib.aicore_drain_commands(
                self.rt, self.buffer, len(self.buffer), ctypes.byref(written)
            )
            == 0
        )
        commands = msgpack.unpackb(bytes(self.buffer[: written.value]))
        return [c["emote"] for c in commands if c["type"] == "emote"]


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("AICORE_CLIP_BUDGET_MB", str(BUDGET_MB))
    with one_npc_runtime(tmp_path, SCRIPT, "talker", REPO / "content") as (lib, rt):
        assert lib.aicore_audio_prepare(rt, 24000.0, 512) == 0
        yield Engine(lib, rt)


def test_new_lines_past_the_budget_retire_old_clips_and_every_line_is_voiced(
    engine: Engine,
) -> None:
    budget = int(BUDGET_MB * 1024 * 1024)
    ended: list[str] = []
    states: list[tuple[int, int, int, int]] = []
    # Synthesis runs on the runtime's clip thread: a generous bound for a busy machine.
    deadline = time.monotonic() + 300.0
    while len(ended) < LINES + 2:
        assert time.monotonic() < deadline, f"only {len(ended)} lines ended: {ended}"
        for emote in engine.frame():
            if emote.startswith("ended_"):
                ended.append(emote)
            elif emote.startswith("clips_"):
                bank, kept, size, retired = (int(x) for x in emote.split("_")[1:])
                states.append((bank, kept, size, retired))
        time.sleep(0.002)
    # Every line played to its end: none was silent for want of room.
    assert ended == ["ended_finished"] * (LINES + 2)
    bank, kept, size, retired = states[-1]
    assert retired >= LINES - 3, "old clips were retired to stay within the budget"
    assert max(s[2] for s in states) <= budget, "the clips' samples never exceeded the budget"
    assert max(s[1] for s in states) <= 3
    # The bank frees a retired clip at the next add: never more than the kept clips, the
    # one being added, and retired ones not collected yet.
    assert max(s[0] for s in states) <= 3 + 2
    assert bank >= kept


def test_a_clip_held_by_a_line_not_yet_ended_is_not_retired() -> None:
    class Bank:
        def __init__(self) -> None:
            self.retired: list[tuple[int, int]] = []
            self.added = 0

        def add_clip(self, samples: object, rate: float) -> tuple[int, int]:
            self.added += 1
            return (self.added, 1)

        def retire_clip(self, clip: tuple[int, int]) -> None:
            self.retired.append(clip)

    bank = Bank()
    loader = ClipLoader(bank, {}, content_root=REPO / "content", budget_count=2)
    try:
        held = loader.clip("word one", "ghoul").result()  # held: its line has not ended
        second = loader.clip("word two", "ghoul").result()
        loader.release("word two", "ghoul")
        loader.clip("word three", "ghoul").result()
        # Over the budget: the least recently asked unheld clip goes, not the held one.
        assert bank.retired == [second]
        assert held not in bank.retired
        # A retired line asked again is prepared again, not handed the retired clip.
        again = loader.clip("word two", "ghoul").result()
        assert again != second
    finally:
        loader.close()


@pytest.mark.parametrize("text", ["0", "-1", "lots", "inf", "nan"])
def test_a_bad_budget_in_the_environment_is_named(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICORE_CLIP_BUDGET_MB", text)
    with pytest.raises(ValueError, match="AICORE_CLIP_BUDGET_MB"):
        clip_budget_from_environment()


def test_the_budget_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICORE_CLIP_BUDGET_MB", "1.5")
    assert clip_budget_from_environment() == int(1.5 * 1024 * 1024)
    monkeypatch.delenv("AICORE_CLIP_BUDGET_MB")
    assert clip_budget_from_environment() == 64 * 1024 * 1024
