"""What every text-to-speech backend is: :class:`TtsBackend`, and the request rules they share.

A backend turns a line of English into float32 mono samples at its own sample rate. Every
backend takes the same ``speed`` (words per minute) and ``pitch`` (0..99, 50 is the voice's
own) scales, so a caller can switch backends without rewriting its options; each backend
has its own voices and says which.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "MAX_TEXT_CHARS",
    "PITCH_RANGE",
    "SPEED_WPM_RANGE",
    "TtsBackend",
    "pcm16_to_float32",
    "validate_request",
]

MAX_TEXT_CHARS: int = 1000
"""The longest text a backend accepts, in characters."""

SPEED_WPM_RANGE: tuple[int, int] = (80, 450)
"""The slowest and fastest ``speed``, in words per minute (inclusive)."""

PITCH_RANGE: tuple[int, int] = (0, 99)
"""The lowest and highest ``pitch`` (inclusive); 50 is the voice's normal pitch."""

# A voice name is letters, digits and _+- (en, en-gb+f2, rms). Refusing anything else keeps
# a name from being read as a command-line option by a backend that runs a program.
_VOICE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+\-]*")


@runtime_checkable
class TtsBackend(Protocol):
    """A text-to-speech engine :mod:`vocal.tts` can speak through."""

    name: str
    """How callers and ``AICORE_TTS_BACKEND`` name it, e.g. ``"flite"``."""
    licence: str
    """Its licence (an SPDX expression where there is one), for docs/packaging.md."""
    in_process: bool
    """True when it runs inside the game process (no program on PATH is needed)."""

    def voices(self) -> tuple[str, ...]:
        """The voice names it accepts (for espeak-ng, the languages; variants add +name)."""
        ...

    def default_voice(self) -> str:
        """The voice used when a caller names none."""
        ...

    def synthesize(self, text: str, voice: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
        """Speak ``text``; return ``(float32 mono samples in [-1, 1), sample_rate)``.

        Raises:
            ValueError: the request breaks :func:`validate_request` or the voice is unknown.
            FileNotFoundError: the backend's program or library is missing.
            RuntimeError: the backend failed.
        """
        ...


def validate_request(text: str, voice: str, speed: int, pitch: int) -> None:
    """Raise ``ValueError`` naming the first thing wrong with a synthesis request."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    if not isinstance(voice, str) or not _VOICE_PATTERN.fullmatch(voice):
        raise ValueError(f"voice {voice!r} is not a voice name like 'rms' or 'en-gb+f2'")
    for name, value, (low, high) in (
        ("speed", speed, SPEED_WPM_RANGE),
        ("pitch", pitch, PITCH_RANGE),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def pcm16_to_float32(pcm: np.ndarray) -> np.ndarray:
    """16-bit PCM as float32 in [-1, 1)."""
    # Dividing by 2**15 is exact in float32, so int16 -> float32 -> int16 round-trips.
    return pcm.astype(np.float32) / np.float32(32768.0)
