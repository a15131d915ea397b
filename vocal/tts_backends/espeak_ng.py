"""espeak-ng, run as a program found on PATH: the optional backend (GPL-3.0, not shipped).

The shipped voice lines in ``content/voice_lines`` were rendered with it
(``tools/generate_voice_lines.py`` names it explicitly), and its many languages and variants
(``en-gb+m3``, ``en-us+whisper``) are handy while writing lines. A packaged game does not
carry it: choose it with ``backend="espeak-ng"`` or ``AICORE_TTS_BACKEND=espeak-ng`` on a
machine that has it (Debian package ``espeak-ng``).
"""

from __future__ import annotations

import shutil
import struct
import subprocess

import numpy as np

from vocal.tts_backends.backend import pcm16_to_float32, validate_request

__all__ = ["EspeakNgBackend"]

# espeak-ng speaks about 15 characters a second at 150 wpm; 1000 characters at the
# slowest speed finish well inside this.
_TIMEOUT_S = 60.0
_INSTALL_HINT = "install it with `sudo apt-get install espeak-ng` (or run `make demo`)"


class EspeakNgBackend:
    """espeak-ng through a subprocess; voices are languages with optional ``+variant``."""

    name = "espeak-ng"
    licence = "GPL-3.0-or-later"
    in_process = False

    def voices(self) -> tuple[str, ...]:
        """The languages and voice files ``espeak-ng --voices`` lists (``en-gb``, ``en``);
        any of them takes a ``+variant``
        (``ls /usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v`` lists the variants)."""
        done = _run([_executable(), "--voices"], b"")
        names: set[str] = set()
        # Columns: Pty Language Age/Gender VoiceName File Other-languages; -v takes the
        # language or the file's last part.
        for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 5:
                names.update((fields[1], fields[4].rsplit("/", 1)[-1]))
        return tuple(sorted(names))

    def default_voice(self) -> str:
        """``"en"``: espeak-ng's English."""
        return "en"

    def synthesize(self, text: str, voice: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
        """Run espeak-ng and wait (about a tenth of the line's length); 22050 Hz."""
        validate_request(text, voice, speed, pitch)
        # The text goes through stdin, never argv, so a line starting with "-" stays text.
        command = [_executable(), "--stdout", "--stdin", "-b", "1"]
        command += ["-v", voice, "-s", str(speed), "-p", str(pitch)]
        done = _run(command, text.encode("utf-8"))
        stderr = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0:
            if "voice does not exist" in stderr:
                raise ValueError(
                    f"espeak-ng has no voice {voice!r}; `espeak-ng --voices` lists them"
                )
            raise RuntimeError(f"espeak-ng exited with status {done.returncode}: {stderr}")
        pcm, sample_rate = _decode_wav_pcm16(done.stdout)
        return pcm16_to_float32(pcm), sample_rate


def _executable() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise FileNotFoundError(f"espeak-ng was not found on PATH; {_INSTALL_HINT}")
    return path


def _run(command: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            command, input=stdin, capture_output=True, timeout=_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"espeak-ng took over {_TIMEOUT_S:.0f} s and was stopped") from exc


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
