"""Many NPCs speaking at once: the real-time voice engine, steered from Python.

::

    import vocal

    engine = vocal.Engine(sample_rate=48_000, block_size=512, voices=128)
    engine.set_environment("crypt")
    v = engine.start(samples, "werewolf", position=(4.0, 2.0, 0.0), sample_rate=22_050)
    stereo = engine.render(100)              # (100 * 512, 2) float32
    engine.set(v, position=(1.0, 1.0, 0.0))  # it comes closer: louder, more monstrous
    engine.stop(v, fade_ms=200)
    for event in engine.events():            # started / finished / stolen / rejected
        print(event)

Commands travel to the audio side through a lock-free queue (the audio thread never
waits); events come back the same way. ``render`` runs the audio side on the calling
thread for offline use; ``play`` runs it on the sound card's callback thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vocal import _native
from vocal.content import archetype_preset, archetypes, environment_preset, environments
from vocal.loudness import normalise_loudness

__all__ = ["Engine", "EngineEvent", "QueueFullError"]

Position = tuple[float, float, float]


class QueueFullError(RuntimeError):
    """The command queue to the audio side is full; the command was not sent."""


@dataclass(frozen=True)
class EngineEvent:
    """Something the audio side did: a line ``started``, ``finished`` (played out, stopped
    or its clip freed), was ``stolen`` by a higher-priority line, or was ``rejected``."""

    type: Literal["started", "finished", "stolen", "rejected"]
    voice: int
    sample: int  # engine time in samples when it happened
    seconds: float  # the same, in seconds


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return samples
    # Clips are resampled once, when they are loaded; band-limited enough for speech.
    n = round(len(samples) * target / rate)
    t = np.arange(n) * (rate / target)
    return np.interp(t, np.arange(len(samples)), samples).astype(np.float32)


class Engine:
    """A pool of ``voices`` archetype voices mixed to stereo around a listener.

    Positions are metres, z up; the listener starts at the origin facing +y. Volume falls
    with distance (inverse-distance rolloff, see :meth:`set_rolloff`), intensity follows
    each archetype's proximity curve unless given, and a full pool steals the
    lowest-priority, oldest voice (never one that outranks the new line).
    """

    def __init__(
        self,
        sample_rate: int = 48_000,
        block_size: int = 512,
        voices: int = 128,
        *,
        environment: str = "open",
    ) -> None:
        if not 8_000 <= sample_rate <= 192_000:
            raise ValueError(f"sample_rate must be within 8000..192000 Hz, got {sample_rate}")
        if not 16 <= block_size <= 4096:
            raise ValueError(f"block_size must be within 16..4096, got {block_size}")
        if not 1 <= voices <= 1024:
            raise ValueError(f"voices must be within 1..1024, got {voices}")
        self.sample_rate = sample_rate
        self.block_size = block_size
        self.voices = voices
        self._archetypes = archetypes()
        self._environments = environments()
        self._native = _native.VoiceEngine(
            [archetype_preset(a) for a in self._archetypes],
            [environment_preset(e) for e in self._environments],
            voices,
            float(sample_rate),
            block_size,
        )
        self._clips: dict[int, tuple[int, int]] = {}  # voice -> clip id
        self._send_lock = threading.Lock()  # the queue has one producer: serialise Python threads
        self._audio_lock = threading.Lock()  # and one consumer
        self._pending: list[EngineEvent] = []
        self.set_environment(environment)

    # -- commands ---------------------------------------------------------------------

    def _send(self, command: _native.VoiceCommand) -> None:
        with self._send_lock:
            if not self._native.send(command):
                raise QueueFullError("the engine's command queue is full; render or wait a block")

    def start(
        self,
        samples: np.ndarray,
        archetype: str,
        *,
        position: Position = (0.0, 1.0, 0.0),
        intensity: float | None = None,
        priority: int = 0,
        sample_rate: int | None = None,
        seed: int = 0,
        send: float = 1.0,
        normalise: bool = True,
    ) -> int:
        """Start a line; returns its voice id. ``intensity=None`` follows the archetype's
        proximity curve as the voice moves. The clip is prepared here, on this thread: set
        to the documented loudness as ``archetype`` says it (``vocal.loudness``: -23 LUFS
        at 1 m; ``normalise=False`` plays the samples at their own level), then analysed."""
        if archetype not in self._archetypes:
            raise ValueError(
                f"unknown archetype {archetype!r} (known: {', '.join(self._archetypes)})"
            )
        if intensity is not None and not 0.0 <= intensity <= 1.0:
            raise ValueError(f"intensity must be within 0..1, got {intensity}")
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim != 1 or x.size == 0 or not np.isfinite(x).all():
            raise ValueError("samples must be a non-empty, finite, mono (1-D) array")
        x = _resample(x, sample_rate or self.sample_rate, self.sample_rate)
        if normalise:
            x = normalise_loudness(x, self.sample_rate, archetype)
        self._reclaim()
        clip = self._native.add_clip(x, float(self.sample_rate))
        voice = self._native.new_handle()
        self._clips[voice] = clip
        self._send(
            _native.VoiceCommand.start(
                voice,
                clip,
                self._native.archetype_index(archetype),
                tuple(map(float, position)),
                -1.0 if intensity is None else float(intensity),
                int(priority),
                int(seed),
                float(send),
            )
        )
        return voice

    def set(
        self,
        voice: int,
        *,
        position: Position | None = None,
        intensity: float | None = None,
        archetype: str | None = None,
        send: float | None = None,
    ) -> None:
        """Change a playing voice; every change is smoothed on the audio side."""
        index = None
        if archetype is not None:
            if archetype not in self._archetypes:
                raise ValueError(f"unknown archetype {archetype!r}")
            index = self._native.archetype_index(archetype)
        self._send(
            _native.VoiceCommand.set(
                voice,
                None if position is None else tuple(map(float, position)),
                intensity,
                index,
                send,
            )
        )

    def stop(self, voice: int, fade_ms: float = 50.0) -> None:
        """Fade a voice out over ``fade_ms`` and free it (a ``finished`` event follows)."""
        self._send(_native.VoiceCommand.stop(voice, float(fade_ms)))

    def set_listener(self, position: Position, forward: Position = (0.0, 1.0, 0.0)) -> None:
        self._send(
            _native.VoiceCommand.listener(tuple(map(float, position)), tuple(map(float, forward)))
        )

    def set_environment(self, name: str) -> None:
        """Move the listener to another room; the rooms crossfade without a click."""
        if name not in self._environments:
            raise ValueError(
                f"unknown environment {name!r} (known: {', '.join(self._environments)})"
            )
        self._send(_native.VoiceCommand.environment(self._native.environment_index(name)))

    def set_rolloff(
        self, ref_distance: float = 1.0, rolloff: float = 1.0, max_distance: float = 100.0
    ) -> None:
        """Distance attenuation: full level within ``ref_distance``, then
        ``ref / (ref + rolloff * (d - ref))``, no further change beyond ``max_distance``."""
        self._send(_native.VoiceCommand.rolloff(ref_distance, rolloff, max_distance))

    # -- audio side -------------------------------------------------------------------

    def render(self, blocks: int) -> np.ndarray:
        """Run the audio side for ``blocks`` blocks on this thread; stereo float32."""
        if blocks < 0:
            raise ValueError("blocks must be >= 0")
        with self._audio_lock:
            out = self._native.process(blocks)
        self._collect_events()
        return out

    def play(self, seconds: float) -> None:
        """Play ``seconds`` of the engine on the default output device (blocking)."""
        from vocal.extras import import_extra
        from vocal.playback import output_device

        sounddevice = import_extra("sounddevice", "playing the voice engine")
        if output_device() is None:
            raise RuntimeError("no audio output device on this machine; use render() instead")

        def callback(outdata: np.ndarray, frames: int, time: object, status: object) -> None:
            del time, status
            with self._audio_lock:
                outdata[:] = self._native.process(frames // self.block_size)

        with sounddevice.OutputStream(
            samplerate=self.sample_rate,
            blocksize=self.block_size,
            channels=2,
            dtype="float32",
            callback=callback,
        ):
            sounddevice.sleep(int(seconds * 1000))

    # -- events -----------------------------------------------------------------------

    def _collect_events(self) -> None:
        for type_, voice, sample in self._native.notifications():
            self._pending.append(EngineEvent(type_, voice, sample, sample / self.sample_rate))
            if type_ in ("finished", "stolen", "rejected") and voice in self._clips:
                self._native.retire_clip(*self._clips.pop(voice))
        self._native.collect()

    def _reclaim(self) -> None:
        self._collect_events()

    def events(self) -> list[EngineEvent]:
        """Events since the last call, oldest first."""
        self._collect_events()
        out, self._pending = self._pending, []
        return out

    @property
    def active_voices(self) -> int:
        return int(self._native.active_voices)
