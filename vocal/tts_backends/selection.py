"""Which backend speaks: named by the caller, else by ``AICORE_TTS_BACKEND``, else Flite.

The environment variable is read at each call that names no backend (a :class:`TtsWorker`
reads it once, when it starts), so a tool or a test can switch without touching code. An
unknown name is a ``ValueError`` listing the known ones, never a silent fallback.
"""

from __future__ import annotations

import os

from vocal.tts_backends.backend import TtsBackend

__all__ = ["BACKEND_ENV", "BACKEND_NAMES", "DEFAULT_BACKEND", "get_backend"]

BACKEND_ENV: str = "AICORE_TTS_BACKEND"
"""The environment variable that picks the backend when a caller names none."""

DEFAULT_BACKEND: str = "flite"
"""The backend used when neither the caller nor ``AICORE_TTS_BACKEND`` names one."""

BACKEND_NAMES: tuple[str, ...] = ("flite", "espeak-ng")
"""Every backend's name."""

_backends: dict[str, TtsBackend] = {}


def get_backend(name: str | None = None) -> TtsBackend:
    """The backend called ``name``; None: ``$AICORE_TTS_BACKEND``, or Flite when unset."""
    if name is None:
        name = os.environ.get(BACKEND_ENV, "").strip() or DEFAULT_BACKEND
        origin = f" (from {BACKEND_ENV})" if os.environ.get(BACKEND_ENV, "").strip() else ""
    else:
        origin = ""
    found = _backends.get(name)
    if found is not None:
        return found
    # Imported on first use: the espeak-ng backend is never loaded by a game that does not
    # ask for it, and the Flite library is not loaded by a tool that only runs espeak-ng.
    if name == "flite":
        from vocal.tts_backends.flite import FliteBackend

        found = FliteBackend()
    elif name == "espeak-ng":
        from vocal.tts_backends.espeak_ng import EspeakNgBackend

        found = EspeakNgBackend()
    else:
        known = ", ".join(BACKEND_NAMES)
        raise ValueError(f"unknown text-to-speech backend {name!r}{origin}; known: {known}")
    _backends[name] = found
    return found
