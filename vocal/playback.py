"""Play audio through the sound card when there is one (sounddevice / PortAudio).

Headless machines (CI, servers) have no output device: :func:`play` then raises
``RuntimeError`` with a message saying so, and everything else in ``vocal`` still works
(write WAV files instead). sounddevice comes with the "tools" extra: without it
:func:`play` raises :class:`~vocal.extras.MissingExtraError` naming the extra.
"""

from __future__ import annotations

import numpy as np

from vocal.extras import import_extra

__all__ = ["output_device", "play"]


def output_device() -> str | None:
    """The default output device's name, or ``None`` when there is none."""
    try:
        import sounddevice
    except (ImportError, OSError):
        return None
    try:
        return str(sounddevice.query_devices(kind="output")["name"])
    except Exception:  # PortAudio reports "no device" as a generic error
        return None


def play(samples: np.ndarray, sample_rate: int, *, wait: bool = True) -> None:
    """Play ``samples`` (mono or frames x channels float32) on the default output device."""
    sounddevice = import_extra("sounddevice", "playing audio")
    device = output_device()
    if device is None:
        raise RuntimeError(
            "no audio output device on this machine (headless?); write a WAV file instead"
        )
    sounddevice.play(np.asarray(samples, dtype=np.float32), sample_rate)
    if wait:
        sounddevice.wait()
