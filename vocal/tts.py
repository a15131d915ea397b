"""Text-to-speech at run time, so designers can try a new line without recording it.

The speech comes from a pluggable backend (:mod:`vocal.tts_backends`): CMU Flite linked
into the process by default — what a packaged game ships, needing no program on PATH — or
espeak-ng, run from PATH, when a caller passes ``backend="espeak-ng"`` or the environment
sets ``AICORE_TTS_BACKEND=espeak-ng``. :func:`synthesize` speaks and waits;
:class:`TtsWorker` speaks on one background thread and hands back futures, so the game loop
never waits on it.

Example::

    from vocal.tts import TtsWorker

    with TtsWorker() as tts:
        future = tts.submit("Invite me in.", voice="rms", speed=120, pitch=30)
        ...  # keep running frames; poll future.done()
        samples, sample_rate = future.result()
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np

from vocal.background_worker import BackgroundWorker, CacheInfo
from vocal.tts_backends import (
    MAX_TEXT_CHARS,
    PITCH_RANGE,
    SPEED_WPM_RANGE,
    TtsBackend,
    get_backend,
    validate_request,
)

__all__ = [
    "MAX_TEXT_CHARS",
    "PITCH_RANGE",
    "SPEED_WPM_RANGE",
    "CacheInfo",
    "TtsWorker",
    "synthesize",
]


def _resolve(
    text: str, voice: str | None, speed: int, pitch: int, backend: str | None
) -> tuple[TtsBackend, str]:
    chosen = get_backend(backend)
    resolved = chosen.default_voice() if voice is None else voice
    validate_request(text, resolved, speed, pitch)
    return chosen, resolved


def synthesize(
    text: str,
    *,
    voice: str | None = None,
    speed: int = 150,
    pitch: int = 50,
    backend: str | None = None,
) -> tuple[np.ndarray, int]:
    """Speak ``text`` and return ``(samples, sample_rate)``.

    ``samples`` is a float32 mono array in [-1, 1); ``sample_rate`` is the voice's own
    rate (Flite: 16000 Hz, 8000 for its ``kal`` voice; espeak-ng: 22050 Hz). This call
    waits for the synthesis (tens of milliseconds a line); from the game loop use
    :class:`TtsWorker` instead.

    Args:
        text: what to say, 1 to :data:`MAX_TEXT_CHARS` characters, not all whitespace.
        voice: one of the backend's voices; None: the backend's default. Flite:
            ``"rms"`` (default), ``"slt"``, ``"awb"``, ``"kal16"``, ``"kal"``. espeak-ng:
            a language with an optional variant, ``"en"`` (default), ``"en-gb+m3"``,
            ``"en-us+whisper"`` (``espeak-ng --voices`` lists them).
        speed: words per minute, 80 to 450.
        pitch: 0 (lowest) to 99 (highest); 50 is the voice's normal pitch.
        backend: ``"flite"`` or ``"espeak-ng"``; None: ``$AICORE_TTS_BACKEND``, else Flite.

    Raises:
        ValueError: the text is empty or too long, an option is out of range, the voice
            does not exist, or the backend is unknown.
        FileNotFoundError: espeak-ng was asked for and is not installed (the message says
            how to install it).
        RuntimeError: the backend failed or wrote something unexpected.
    """
    chosen, resolved = _resolve(text, voice, speed, pitch, backend)
    return chosen.synthesize(text, resolved, speed, pitch)


# (backend, text, voice, speed, pitch)
_CacheKey = tuple[str, str, str, int, int]


class TtsWorker:
    """Speaks lines on one background thread; :meth:`submit` returns at once with a future.

    The backend is chosen once, when the worker starts (``backend``, else
    ``$AICORE_TTS_BACKEND``, else Flite). Results are cached by ``(text, voice, speed,
    pitch)``, least recently used first out, so a line said twice is synthesized once. A
    line already being synthesized is not started again: the second :meth:`submit` waits on
    the same work. Cached arrays are shared between callers and therefore read-only;
    ``samples.copy()`` before changing one. A failure is not cached: after installing
    espeak-ng the same line works.

    Callbacks added to a returned future run on the worker thread (or at once, when the
    line was cached); a game loop that must stay on its own thread polls ``future.done()``.

    Use it as a context manager, or call :meth:`close` when done. The thread, the cache
    and the per-caller futures are :class:`vocal.background_worker.BackgroundWorker`'s.
    """

    def __init__(self, *, cache_size: int = 64, backend: str | None = None) -> None:
        """Start the worker thread. ``cache_size`` is how many lines to keep (0 keeps none).

        Raises:
            ValueError: ``cache_size`` is negative or ``backend`` is unknown.
        """
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 or more, got {cache_size}")
        self._backend = get_backend(backend)
        self._worker: BackgroundWorker[_CacheKey, tuple[np.ndarray, int]] = BackgroundWorker(
            _synthesize_shared, name="TtsWorker", cache_size=cache_size
        )

    @property
    def backend(self) -> str:
        """The name of the backend this worker speaks with."""
        return self._backend.name

    def submit(
        self, text: str, *, voice: str | None = None, speed: int = 150, pitch: int = 50
    ) -> Future[tuple[np.ndarray, int]]:
        """Queue ``text`` for speech and return a future of ``(samples, sample_rate)``.

        Takes the same options as :func:`synthesize` (the backend is the worker's). Bad
        options raise ``ValueError`` here, at once; a missing espeak-ng, an espeak-ng voice
        that does not exist or a failed run is raised by ``future.result()``. Cancelling
        the returned future affects only this caller.

        Raises:
            ValueError: the text or an option is invalid.
            RuntimeError: the worker is closed.
        """
        _, resolved = _resolve(text, voice, speed, pitch, self._backend.name)
        return self._worker.submit((self._backend.name, text, resolved, speed, pitch))

    def cache_info(self) -> CacheInfo:
        """Return the cache's hit and miss counts, capacity and current size."""
        return self._worker.cache_info()

    def close(self) -> None:
        """Cancel queued lines, wait for the one being spoken, and stop the thread.

        Safe to call more than once. Futures of cancelled lines end cancelled.
        """
        self._worker.close()

    def __enter__(self) -> TtsWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _synthesize_shared(key: _CacheKey) -> tuple[np.ndarray, int]:
    backend, text, voice, speed, pitch = key
    samples, sample_rate = synthesize(text, voice=voice, speed=speed, pitch=pitch, backend=backend)
    samples.flags.writeable = False  # shared between callers through the cache
    return samples, sample_rate
