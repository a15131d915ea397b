"""Text-to-speech backends behind :mod:`vocal.tts`: Flite in-process (the default, the one a
packaged game ships) and espeak-ng run from PATH (optional, GPL-3.0).

    from vocal.tts_backends import get_backend

    flite = get_backend("flite")
    samples, rate = flite.synthesize("Invite me in.", flite.default_voice(), 150, 50)

Choose one per call (``vocal.tts.synthesize(..., backend="espeak-ng")``) or for the process
(``AICORE_TTS_BACKEND=espeak-ng``); docs/vocal.md compares them.
"""

from __future__ import annotations

from vocal.tts_backends.backend import (
    MAX_TEXT_CHARS,
    PITCH_RANGE,
    SPEED_WPM_RANGE,
    TtsBackend,
    validate_request,
)
from vocal.tts_backends.selection import BACKEND_ENV, BACKEND_NAMES, DEFAULT_BACKEND, get_backend

__all__ = [
    "BACKEND_ENV",
    "BACKEND_NAMES",
    "DEFAULT_BACKEND",
    "MAX_TEXT_CHARS",
    "PITCH_RANGE",
    "SPEED_WPM_RANGE",
    "TtsBackend",
    "get_backend",
    "validate_request",
]
