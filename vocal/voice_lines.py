"""The spoken lines the game ships: ``content/voice_lines/lines.toml`` and its WAVs.

The manifest names the sample rate once, then holds one ``[[line]]`` table per line::

    sample_rate = 22050          # every WAV's rate: espeak-ng's own

    [[line]]
    id = "vampire_invitation"    # lower_snake_case, unique; the WAV is <id>.wav
    text = "You need only say the words. Invite me in."
    speaker = "vampire"          # the NPC kind that says it (lower_snake_case)
    voice = "en-gb+m3"           # espeak-ng voice and variant
    speed = 125                  # words per minute
    pitch = 30                   # 0-99, 50 is the voice's normal pitch
    # file = "vampire/invitation.wav"   optional; relative to the manifest, inside content/

``tools/generate_voice_lines.py`` renders the WAVs from this file; :func:`load_manifest`
and :func:`load_line` read them back at run time.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from vocal.tts import MAX_TEXT_CHARS, PITCH_RANGE, SPEED_WPM_RANGE

__all__ = ["MANIFEST_PATH", "VoiceLine", "load_line", "load_manifest"]

MANIFEST_PATH: Path = Path("voice_lines") / "lines.toml"
"""Where the manifest lives, relative to the content root."""

_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_LINE_FIELDS = frozenset({"id", "text", "speaker", "voice", "speed", "pitch", "file"})


@dataclass(frozen=True)
class VoiceLine:
    """One shipped line: what is said, by whom, where its WAV is and how it was made."""

    id: str
    text: str
    speaker: str
    path: Path
    """The WAV file, absolute."""
    sample_rate: int
    voice: str
    speed: int
    pitch: int


def load_manifest(content_root: Path) -> list[VoiceLine]:
    """Read and check ``<content_root>/voice_lines/lines.toml``; return its lines in order.

    Only the manifest is read; the WAVs are not opened (see :func:`load_line`).

    Raises:
        FileNotFoundError: there is no manifest.
        ValueError: the manifest is not valid TOML, a field is missing, unknown or of the
            wrong type or range, two lines share an id or a file, or a line's file lies
            outside ``content_root``. The message names the manifest and the field.
    """
    root = Path(content_root).resolve()
    manifest = root / MANIFEST_PATH
    with manifest.open("rb") as f:
        try:
            document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{manifest}: not valid TOML: {exc}") from exc

    sample_rate = document.get("sample_rate")
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(
            f"{manifest}: field 'sample_rate' must be a positive integer, got {sample_rate!r}"
        )
    extra = set(document) - {"sample_rate", "line"}
    if extra:
        raise ValueError(f"{manifest}: unknown top-level field {sorted(extra)[0]!r}")
    tables = document.get("line")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{manifest}: field 'line' must be one or more [[line]] tables")

    lines: list[VoiceLine] = []
    seen_ids: set[str] = set()
    seen_paths: set[Path] = set()
    for number, table in enumerate(tables, start=1):
        line = _parse_line(manifest, root, number, table, sample_rate)
        where = f"{manifest}: line {number} ({line.id!r})"
        if line.id in seen_ids:
            raise ValueError(f"{where}: field 'id' repeats an earlier line's id")
        if line.path in seen_paths:
            raise ValueError(f"{where}: field 'file' repeats an earlier line's file")
        seen_ids.add(line.id)
        seen_paths.add(line.path)
        lines.append(line)
    return lines


def load_line(line: VoiceLine) -> np.ndarray:
    """Read a line's WAV and return its samples as a float32 mono array in [-1, 1).

    Raises:
        FileNotFoundError: the WAV is missing (run ``tools/generate_voice_lines.py``).
        ValueError: the WAV is not mono or not at the manifest's sample rate.
    """
    if not line.path.is_file():
        raise FileNotFoundError(
            f"{line.path}: no WAV for voice line {line.id!r}; "
            "run `.venv/bin/python tools/generate_voice_lines.py`"
        )
    samples, sample_rate = sf.read(line.path, dtype="float32", always_2d=True)
    if samples.shape[1] != 1:
        raise ValueError(f"{line.path}: has {samples.shape[1]} channels; voice lines are mono")
    if sample_rate != line.sample_rate:
        raise ValueError(
            f"{line.path}: is {sample_rate} Hz; the manifest says {line.sample_rate} Hz"
        )
    return np.ascontiguousarray(samples[:, 0])


def _parse_line(manifest: Path, root: Path, number: int, table: Any, sample_rate: int) -> VoiceLine:
    where = f"{manifest}: line {number}"
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a [[line]] table")
    if isinstance(table.get("id"), str):
        where += f" ({table['id']!r})"
    for field in ("id", "text", "speaker", "voice", "speed", "pitch"):
        if field not in table:
            raise ValueError(f"{where}: field {field!r} is missing")
    extra = set(table) - _LINE_FIELDS
    if extra:
        raise ValueError(f"{where}: unknown field {sorted(extra)[0]!r}")

    line_id = table["id"]
    if not isinstance(line_id, str) or not _ID_PATTERN.fullmatch(line_id):
        raise ValueError(f"{where}: field 'id' must be lower_snake_case, got {line_id!r}")
    text = table["text"]
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
        raise ValueError(
            f"{where}: field 'text' must be a non-empty string of at most "
            f"{MAX_TEXT_CHARS} characters"
        )
    speaker = table["speaker"]
    # Any kind: the game's kinds are whatever its scripts define, not a list in the engine.
    if not isinstance(speaker, str) or not _ID_PATTERN.fullmatch(speaker):
        raise ValueError(
            f"{where}: field 'speaker' must be the NPC kind that says it, in "
            f"lower_snake_case; got {speaker!r}"
        )
    voice = table["voice"]
    if not isinstance(voice, str) or not voice.strip():
        raise ValueError(f"{where}: field 'voice' must be an espeak-ng voice such as 'en+m3'")
    for field, (low, high) in (("speed", SPEED_WPM_RANGE), ("pitch", PITCH_RANGE)):
        value = table[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(
                f"{where}: field {field!r} must be an integer from {low} to {high}, got {value!r}"
            )

    return VoiceLine(
        id=line_id,
        text=text,
        speaker=speaker,
        path=_line_path(where, manifest, root, table.get("file", f"{line_id}.wav")),
        sample_rate=sample_rate,
        voice=voice,
        speed=table["speed"],
        pitch=table["pitch"],
    )


def _line_path(where: str, manifest: Path, root: Path, file: Any) -> Path:
    if not isinstance(file, str) or not file.endswith(".wav"):
        raise ValueError(f"{where}: field 'file' must be a path ending in .wav, got {file!r}")
    # Resolving first means neither "../" nor a symlink can lead out of the content root.
    path = (manifest.parent / file).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{where}: field 'file' ({file!r}) lies outside the content root {root}")
    return path
