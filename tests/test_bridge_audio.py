"""The audio restarting under a speaking NPC (aicore_audio_prepare again, as an engine does
when its device changes rate or block size), driven through the C ABI: the line that was
playing ends — for the script, as ``line_finished`` with how ``stolen``, and for the
runtime, which stops tracking its voice — so no NPC is left "speaking" for ever, and the
NPC's next line plays on the new engine from the clip loaded before."""

from __future__ import annotations

import ctypes
import time
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from native_runtime import one_npc_runtime

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi

REPO = Path(__file__).resolve().parents[1]

# A talker says a shipped line (a recording), and says it again once it has ended; at the
# start of every frame the module reports the voices the runtime tracks as speaking.
SCRIPT = """
from engine_bridge.api import Npc


class Talker(Npc):
    kind = "talker"
    archetype = "ghoul"
    decision_rate = 30.0

    def on_spawn(self):
        self.speaking = False

    def on_tick(self, dt):
        if not self.speaking:
            self.speaking = True
            self.say("ghoul_hunger")

    def on_event(self, event):
        if event.type == "line_finished":
            self.speaking = False
            self.emote(f"ended_{event.data['how']}_{event.data['voice']}")


def on_frame(runtime, dt, events):
    voices = "_".join(str(v) for v in sorted(runtime.voices.playing))
    runtime.emit({"type": "emote", "npc": 0, "emote": "tracked_" + voices})
"""


class Engine:
    """The game side of one runtime: ticks, renders, drains."""

    def __init__(self, lib: ctypes.CDLL, rt: ctypes.c_void_p) -> None:
        self.lib, self.rt = lib, rt
        self.left, self.right = (ctypes.c_float * 256)(), (ctypes.c_float * 256)()
        self.buffer = (ctypes.c_uint8 * (1 << 16))()

    def active_voices(self) -> int:
        m = abi.Metrics()
        m.struct_size = ctypes.sizeof(m)
        assert self.lib.aicore_metrics_get(self.rt, ctypes.byref(m)) == 0
        return int(m.active_voices)

    def frame(self) -> list[str]:
        """One tick and one block of audio; the emotes the frame produced."""
        assert self.lib.aicore_tick(self.rt, FRAME_SECONDS) == 0
        assert self.lib.aicore_audio_render(self.rt, self.left, self.right, 256) == 0
        written = ctypes.c_size_t()
        drained = self.lib.aicore_drain_commands(
            self.rt, self.buffer, len(self.buffer), ctypes.byref(written)
        )
        assert drained == 0
        commands = msgpack.unpackb(bytes(self.buffer[: written.value]))
        return [c["emote"] for c in commands if c["type"] == "emote"]

    def until_a_voice_plays(self) -> list[str]:
        # The clip is prepared on the runtime's loader thread: a generous bound for a busy
        # machine, not a measurement.
        deadline = time.monotonic() + 120.0
        emotes: list[str] = []
        while self.active_voices() == 0:
            assert time.monotonic() < deadline, "the talker's line never started"
            emotes = self.frame()
            time.sleep(0.005)
        return emotes


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with one_npc_runtime(tmp_path, SCRIPT, "talker", REPO / "content") as (lib, rt):
        yield Engine(lib, rt)


def test_a_line_cut_by_an_audio_restart_ends_and_the_npc_speaks_again(engine: Engine) -> None:
    assert engine.lib.aicore_audio_prepare(engine.rt, 24000.0, 256) == 0
    engine.until_a_voice_plays()
    tracked = [e for e in engine.frame() if e.startswith("tracked_")]
    assert len(tracked) == 1
    assert tracked[0] != "tracked_", "the runtime tracks the voice"
    voice = tracked[0].removeprefix("tracked_")

    # The line is 3.5 s long and has played a few blocks when the device restarts.
    assert engine.lib.aicore_audio_prepare(engine.rt, 48000.0, 512) == 0
    assert engine.active_voices() == 0
    assert f"ended_stolen_{voice}" in engine.frame()
    # on_frame runs first in a frame: the next one sees what the line's end left behind.
    now_tracked = next(e for e in engine.frame() if e.startswith("tracked_")).split("_")[1:]
    assert voice not in now_tracked, "the cut line's voice is no longer tracked as speaking"

    # Not stuck: the talker says its line again, and it plays on the new engine.
    engine.until_a_voice_plays()
    later = [e for e in engine.frame() if e.startswith("tracked_")]
    assert later
    assert later[0] not in ("tracked_", f"tracked_{voice}")
