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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from vocal.content_fields import ContentFile, Fields
from vocal.tts import MAX_TEXT_CHARS, PITCH_RANGE, SPEED_WPM_RANGE

__all__ = ["MANIFEST_PATH", "VoiceLine", "load_line", "load_manifest"]

MANIFEST_PATH: Path = Path("voice_lines") / "lines.toml"
"""Where the manifest lives, relative to the content root."""

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
        ContentError: (a ``ValueError``) the manifest is not valid TOML, a field is
            missing, unknown or of the wrong type or range, two lines share an id or a
            file, or a line's file lies outside ``content_root``. It names the manifest,
            the field, the line's id and the line of the file it is on.
    """
    root = Path(content_root).resolve()
    manifest = root / MANIFEST_PATH
    file = ContentFile.parse(manifest, manifest.read_bytes())
    top = file.top()
    sample_rate = top.integer("sample_rate", low=1)
    top.allow_only({"sample_rate", "line"})

    lines: list[VoiceLine] = []
    seen_ids: set[str] = set()
    seen_paths: set[Path] = set()
    for fields in file.tables("line"):
        line = _parse_line(fields, root, sample_rate)
        if line.id in seen_ids:
            raise fields.error("id", "field 'id' repeats an earlier line's id")
        if line.path in seen_paths:
            raise fields.error("file", "field 'file' repeats an earlier line's file")
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


def _parse_line(fields: Fields, root: Path, sample_rate: int) -> VoiceLine:
    fields.require("id", "text", "speaker", "voice", "speed", "pitch")
    fields.allow_only(_LINE_FIELDS)
    line_id = fields.identifier("id")
    # Any kind: the game's kinds are whatever its scripts define, not a list in the engine.
    speaker = fields.identifier("speaker", what="the NPC kind that says it, in lower_snake_case")
    return VoiceLine(
        id=line_id,
        text=fields.text("text", max_chars=MAX_TEXT_CHARS),
        speaker=speaker,
        path=_line_path(fields, root, fields.get("file", f"{line_id}.wav")),
        sample_rate=sample_rate,
        voice=fields.text("voice", what="an espeak-ng voice such as 'en+m3'"),
        speed=fields.integer("speed", low=SPEED_WPM_RANGE[0], high=SPEED_WPM_RANGE[1]),
        pitch=fields.integer("pitch", low=PITCH_RANGE[0], high=PITCH_RANGE[1]),
    )


def _line_path(fields: Fields, root: Path, file: Any) -> Path:
    if not isinstance(file, str) or not file.endswith(".wav"):
        raise fields.invalid("file", "a path ending in .wav", file)
    # Resolving first means neither "../" nor a symlink can lead out of the content root.
    path = (fields.file.path.parent / file).resolve()
    if not path.is_relative_to(root):
        raise fields.error("file", f"field 'file' ({file!r}) lies outside the content root {root}")
    return path
