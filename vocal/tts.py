"""Text-to-speech at run time, so designers can try a new line without recording it.

The speech comes from the ``espeak-ng`` executable (Debian package ``espeak-ng``, which
``make demo`` installs). :func:`synthesize` runs it and waits; :class:`TtsWorker` runs it
on one background thread and hands back futures, so the game loop never waits on it.

Example::

    from vocal.tts import TtsWorker

    with TtsWorker() as tts:
        future = tts.submit("Invite me in.", voice="en-gb+m3", speed=120, pitch=30)
        ...  # keep running frames; poll future.done()
        samples, sample_rate = future.result()
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from concurrent.futures import Future

import numpy as np

from vocal.background_worker import BackgroundWorker, CacheInfo

__all__ = [
    "MAX_TEXT_CHARS",
    "PITCH_RANGE",
    "SPEED_WPM_RANGE",
    "CacheInfo",
    "TtsWorker",
    "synthesize",
]

MAX_TEXT_CHARS: int = 1000
"""The longest text :func:`synthesize` accepts, in characters."""

SPEED_WPM_RANGE: tuple[int, int] = (80, 450)
"""The slowest and fastest ``speed`` espeak-ng takes, in words per minute (inclusive)."""

PITCH_RANGE: tuple[int, int] = (0, 99)
"""The lowest and highest ``pitch`` on espeak-ng's scale (inclusive); 50 is normal."""

# A voice name is a language plus an optional "+variant" (en, en-gb+f2, en-us+whisper).
# Refusing anything else keeps the name from being read as a command-line option.
_VOICE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+\-]*")
# espeak-ng speaks about 15 characters a second at 150 wpm; 1000 characters at the
# slowest speed finish well inside this.
_TIMEOUT_S = 60.0
_INSTALL_HINT = "install it with `sudo apt-get install espeak-ng` (or run `make demo`)"


def _validate(text: str, voice: str, speed: int, pitch: int) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    if not isinstance(voice, str) or not _VOICE_PATTERN.fullmatch(voice):
        raise ValueError(f"voice {voice!r} is not a voice name like 'en' or 'en-gb+f2'")
    for name, value, (low, high) in (
        ("speed", speed, SPEED_WPM_RANGE),
        ("pitch", pitch, PITCH_RANGE),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _espeak_executable() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise FileNotFoundError(f"espeak-ng was not found on PATH; {_INSTALL_HINT}")
    return path


def _decode_wav_pcm16(data: bytes) -> tuple[np.ndarray, int]:
    """Decode the mono 16-bit WAV espeak-ng writes to stdout.

    espeak-ng cannot seek stdout, so its RIFF and data sizes are placeholders
    (0x7FFFF000-ish); the data chunk is taken to run to the end of the stream.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise RuntimeError("espeak-ng did not write a WAV stream")
    pos = 12
    sample_rate = 0
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt, channels, sample_rate, _, _, bits = struct.unpack_from("<HHIIHH", data, body)
            if (fmt, channels, bits) != (1, 1, 16):
                raise RuntimeError(
                    f"espeak-ng wrote format {fmt}, {channels} channels, {bits} bits; "
                    "expected PCM, 1 channel, 16 bits"
                )
        elif chunk_id == b"data":
            if sample_rate == 0:
                raise RuntimeError("espeak-ng's WAV stream has no fmt chunk before its data")
            payload = data[body:]
            payload = payload[: len(payload) - len(payload) % 2]
            return np.frombuffer(payload, dtype="<i2").copy(), sample_rate
        pos = body + size + (size & 1)
    raise RuntimeError("espeak-ng's WAV stream has no data chunk")


def _run_espeak(text: str, voice: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
    executable = _espeak_executable()
    # The text goes through stdin, never argv, so a line starting with "-" stays text.
    command = [executable, "--stdout", "--stdin", "-b", "1"]
    command += ["-v", voice, "-s", str(speed), "-p", str(pitch)]
    try:
        done = subprocess.run(
            command,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"espeak-ng took over {_TIMEOUT_S:.0f} s and was stopped") from exc
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        if "voice does not exist" in stderr:
            raise ValueError(f"espeak-ng has no voice {voice!r}; `espeak-ng --voices` lists them")
        raise RuntimeError(f"espeak-ng exited with status {done.returncode}: {stderr}")
    return _decode_wav_pcm16(done.stdout)


def synthesize(
    text: str, *, voice: str = "en", speed: int = 150, pitch: int = 50
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng and return ``(samples, sample_rate)``.

    ``samples`` is a float32 mono array in [-1, 1); ``sample_rate`` is espeak-ng's own
    rate (22050 Hz). This call waits for espeak-ng (about a tenth of the line's length);
    from the game loop use :class:`TtsWorker` instead.

    Args:
        text: what to say, 1 to :data:`MAX_TEXT_CHARS` characters, not all whitespace.
        voice: an espeak-ng voice, optionally with a variant: ``"en"``, ``"en-gb+m3"``,
            ``"en-us+whisper"``. ``espeak-ng --voices`` and
            ``ls /usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v`` list them.
        speed: words per minute, 80 to 450.
        pitch: 0 (lowest) to 99 (highest); 50 is the voice's normal pitch.

    Raises:
        ValueError: the text is empty or too long, an option is out of range, or the
            voice does not exist.
        FileNotFoundError: espeak-ng is not installed (the message says how to install it).
        RuntimeError: espeak-ng failed or wrote something unexpected.
    """
    _validate(text, voice, speed, pitch)
    pcm, sample_rate = _run_espeak(text, voice, speed, pitch)
    # Dividing by 2**15 is exact in float32, so int16 -> float32 -> int16 round-trips.
    return pcm.astype(np.float32) / np.float32(32768.0), sample_rate


_CacheKey = tuple[str, str, int, int]


class TtsWorker:
    """Speaks lines on one background thread; :meth:`submit` returns at once with a future.

    Results are cached by ``(text, voice, speed, pitch)``, least recently used first out,
    so a line said twice is synthesized once. A line already being synthesized is not
    started again: the second :meth:`submit` waits on the same work. Cached arrays are
    shared between callers and therefore read-only; ``samples.copy()`` before changing one.
    A failure is not cached: after installing espeak-ng the same line works.

    Callbacks added to a returned future run on the worker thread (or at once, when the
    line was cached); a game loop that must stay on its own thread polls ``future.done()``.

    Use it as a context manager, or call :meth:`close` when done. The thread, the cache
    and the per-caller futures are :class:`vocal.background_worker.BackgroundWorker`'s.
    """

    def __init__(self, *, cache_size: int = 64) -> None:
        """Start the worker thread. ``cache_size`` is how many lines to keep (0 keeps none)."""
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 or more, got {cache_size}")
        self._worker: BackgroundWorker[_CacheKey, tuple[np.ndarray, int]] = BackgroundWorker(
            _synthesize_shared, name="TtsWorker", cache_size=cache_size
        )

    def submit(
        self, text: str, *, voice: str = "en", speed: int = 150, pitch: int = 50
    ) -> Future[tuple[np.ndarray, int]]:
        """Queue ``text`` for speech and return a future of ``(samples, sample_rate)``.

        Takes the same options as :func:`synthesize`. Bad options raise ``ValueError``
        here, at once; a missing espeak-ng or a failed run is raised by
        ``future.result()``. Cancelling the returned future affects only this caller.

        Raises:
            ValueError: the text or an option is invalid.
            RuntimeError: the worker is closed.
        """
        _validate(text, voice, speed, pitch)
        return self._worker.submit((text, voice, speed, pitch))

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
    text, voice, speed, pitch = key
    samples, sample_rate = synthesize(text, voice=voice, speed=speed, pitch=pitch)
    samples.flags.writeable = False  # shared between callers through the cache
    return samples, sample_rate
