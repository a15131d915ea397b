#!/usr/bin/env python3
"""Render the shipped voice lines with espeak-ng.

Reads content/voice_lines/lines.toml and writes one mono 16-bit WAV per line, at
espeak-ng's native rate (the manifest's sample_rate), to content/voice_lines/<id>.wav.
Silence beyond a short pad is trimmed from both ends. The output depends only on the
manifest and the espeak-ng version, so a second run changes nothing.

    .venv/bin/python tools/generate_voice_lines.py            # (re)write the WAVs
    .venv/bin/python tools/generate_voice_lines.py --check    # exit 1 if they are stale

--check renders into a temporary directory and compares bytes with the shipped WAVs,
naming every line that differs, is missing, or has no manifest entry.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from vocal.content import content_root
from vocal.tts import synthesize
from vocal.voice_lines import MANIFEST_PATH, VoiceLine, load_manifest

# Samples quieter than -50 dBFS at either end count as silence.
_SILENCE_LEVEL = round(32768 * 10 ** (-50 / 20))
_LEAD_PAD_S = 0.05
_TAIL_PAD_S = 0.15
_DURATION_RANGE_S = (1.5, 4.0)


def render(line: VoiceLine) -> bytes:
    """Return the WAV file for one line, as bytes."""
    try:
        # The shipped lines are espeak-ng's (their voices are espeak-ng voices), whatever
        # backend the game speaks new text with.
        samples, sample_rate = synthesize(
            line.text, voice=line.voice, speed=line.speed, pitch=line.pitch, backend="espeak-ng"
        )
    except ValueError as exc:
        raise ValueError(f"voice line {line.id!r}: {exc}") from exc
    if sample_rate != line.sample_rate:
        raise ValueError(
            f"voice line {line.id!r}: espeak-ng speaks at {sample_rate} Hz but the manifest "
            f"says sample_rate = {line.sample_rate}; change the manifest"
        )
    # synthesize() divides int16 by 2**15, so this recovers espeak-ng's samples exactly.
    pcm = (samples * np.float32(32768.0)).astype(np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > _SILENCE_LEVEL)
    if loud.size == 0:
        raise ValueError(f"voice line {line.id!r}: espeak-ng produced only silence")
    start = max(0, int(loud[0]) - round(_LEAD_PAD_S * sample_rate))
    stop = min(pcm.size, int(loud[-1]) + 1 + round(_TAIL_PAD_S * sample_rate))
    out = io.BytesIO()
    sf.write(out, pcm[start:stop], sample_rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def _duration_s(wav: bytes) -> float:
    info = sf.info(io.BytesIO(wav))
    return info.frames / info.samplerate


def _shipped_wavs(content_root: Path) -> set[Path]:
    return {p.resolve() for p in (content_root / MANIFEST_PATH).parent.rglob("*.wav")}


def generate(content_root: Path) -> int:
    """Write every line's WAV under ``content_root``; return the process exit status."""
    lines = load_manifest(content_root)
    for line in lines:
        wav = render(line)
        if line.path.is_file() and line.path.read_bytes() == wav:
            state = "unchanged"
        else:
            line.path.parent.mkdir(parents=True, exist_ok=True)
            line.path.write_bytes(wav)
            state = "written"
        seconds = _duration_s(wav)
        low, high = _DURATION_RANGE_S
        note = "" if low <= seconds <= high else f"  (outside {low}-{high} s: edit the line)"
        print(f"{line.id:28} {seconds:4.2f} s  {state}{note}")
    for stray in sorted(_shipped_wavs(content_root) - {line.path for line in lines}):
        print(f"warning: {stray} has no line in the manifest", file=sys.stderr)
    return 0


def check(content_root: Path) -> int:
    """Render into a temporary directory and compare with the shipped WAVs.

    Return 0 when every WAV matches byte for byte, else print each difference and return 1.
    """
    lines = load_manifest(content_root)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="voice-lines-") as scratch:
        for line in lines:
            fresh = Path(scratch) / line.path.relative_to(content_root.resolve())
            fresh.parent.mkdir(parents=True, exist_ok=True)
            fresh.write_bytes(render(line))
            if not line.path.is_file():
                problems.append(f"{line.id}: {line.path} is missing")
            elif line.path.read_bytes() != fresh.read_bytes():
                problems.append(f"{line.id}: {line.path} differs from a fresh render")
    for stray in sorted(_shipped_wavs(content_root) - {line.path for line in lines}):
        problems.append(f"{stray}: no line in the manifest")
    if not problems:
        print(f"voice lines: all {len(lines)} match a fresh render")
        return 0
    for problem in problems:
        print(problem)
    print(
        f"voice lines: {len(problems)} difference(s) with {_espeak_version()}; "
        "run tools/generate_voice_lines.py and commit the WAVs"
    )
    return 1


def _espeak_version() -> str:
    # Different espeak-ng releases speak differently, so a mismatch may just mean that.
    try:
        done = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "espeak-ng (version unknown)"
    return done.stdout.split(" Data at:")[0].strip() or "espeak-ng (version unknown)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="render into a temporary directory and exit 1 if any shipped WAV differs",
    )
    parser.add_argument(
        "--content-root",
        type=Path,
        default=content_root(),
        help="the content folder holding voice_lines/lines.toml (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        return check(args.content_root) if args.check else generate(args.content_root)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
