"""Reading and checking one kind's table (``dialogue/<kind>.toml``): its lines' fields
through the shared readers (:mod:`vocal.content_fields`), their memory conditions, and
each ``voice_line`` against the voice-line manifests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine_bridge.content.dialogue.model import VARIABLE, Line, Range
from engine_bridge.content.layers import ContentError
from vocal.content_fields import ID_PATTERN, ContentFile, Fields
from vocal.voice_lines import MANIFEST_PATH, VoiceLine, load_manifest

__all__ = [
    "Recordings",
    "check_voice_lines",
    "checked_text",
    "kind_of",
    "parse_table",
    "read_toml",
]

_LINE_FIELDS = frozenset(
    {
        "id",
        "topic",
        "text",
        "voice_line",
        "mood",
        "requires_flags",
        "forbids_flags",
        "memory",
        "weight",
    }
)
_RANGE_KEYS = frozenset({"min", "max"})


def kind_of(path: Path, name: str) -> str:
    """The NPC kind a table or translation file is for: its name without ``.toml``."""
    kind = name.removesuffix(".toml")
    if not ID_PATTERN.fullmatch(kind):
        raise ContentError(
            path,
            f"the file name must be an NPC kind in lower_snake_case, got {kind!r}",
        )
    return kind


def read_toml(root: Path, path: Path) -> ContentFile:
    """The parsed file, refused when it lies outside ``root`` or cannot be read."""
    # Resolving first means a symlink cannot lead out of the content root.
    if not path.resolve().is_relative_to(root):
        raise ContentError(path, f"lies outside the content root {root}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, f"cannot be read: {exc.strerror or exc}") from exc
    return ContentFile.parse(path, data)


def checked_text(fields: Fields, name: str) -> str:
    """A line's text: a non-empty string whose braces are all ``{variables}``."""
    text = fields.text(name)
    stray = VARIABLE.sub("", text)
    if "{" in stray or "}" in stray:
        raise fields.error(
            name,
            f"field {name!r} has a brace outside a {{lower_snake_case}} variable: {text!r}",
        )
    return text


def parse_table(
    root: Path, path: Path, kind: str, first_seen: dict[str, Path]
) -> list[tuple[Fields, Line]]:
    """The lines of ``kind``'s table at ``path``, each with its fields (for errors found
    later); an id also in ``first_seen`` (a table loaded before) is an error."""
    file = read_toml(root, path)
    file.top().allow_only({"line"})
    lines: list[tuple[Fields, Line]] = []
    ids: set[str] = set()
    for fields in file.tables("line"):
        line = _parse_line(fields, kind)
        earlier = first_seen.get(line.id) or (path if line.id in ids else None)
        if earlier is not None:
            raise fields.error("id", f"field 'id' repeats the id of a line in {earlier}")
        ids.add(line.id)
        lines.append((fields, line))
    return lines


def _parse_line(fields: Fields, kind: str) -> Line:
    fields.require("id", "topic", "text")
    fields.allow_only(_LINE_FIELDS, listed=True)
    line_id, topic = fields.identifier("id"), fields.identifier("topic")
    voice_line = fields.get("voice_line")
    if voice_line is not None and not isinstance(voice_line, str):
        raise fields.invalid("voice_line", "a voice line id", voice_line)
    moods = None
    if "mood" in fields:
        moods = frozenset(
            fields.names(
                "mood", non_empty=True, what="a list of at least one lower_snake_case mood"
            )
        )
    return Line(
        id=line_id,
        kind=kind,
        topic=topic,
        text=checked_text(fields, "text"),
        voice_line=voice_line,
        moods=moods,
        requires_flags=frozenset(fields.names("requires_flags", default=[])),
        forbids_flags=frozenset(fields.names("forbids_flags", default=[])),
        memory=_parse_memory(fields.table_of("memory", default={}, what="a table of key = value")),
        weight=fields.positive_number("weight", default=1.0),
    )


def _parse_memory(memory: Fields) -> Mapping[str, Any]:
    conditions: dict[str, Any] = {}
    for key, wanted in memory.items():
        field = memory.field_name(key)
        if isinstance(wanted, dict):
            extra = set(wanted) - _RANGE_KEYS
            if extra or not wanted:
                raise memory.invalid(key, "{min = .., max = ..} (either or both)", wanted)
            bounds = {k: wanted.get(k) for k in _RANGE_KEYS}
            for bound in bounds.values():
                if bound is not None and (
                    isinstance(bound, bool) or not isinstance(bound, int | float)
                ):
                    raise memory.error(key, f"field {field!r}: min and max must be numbers")
            low, high = bounds["min"], bounds["max"]
            if low is not None and high is not None and low > high:
                raise memory.error(key, f"field {field!r}: min {low} is above max {high}")
            conditions[key] = Range(low, high)
        elif isinstance(wanted, bool | int | float | str):
            conditions[key] = wanted
        else:
            raise memory.invalid(key, "a string, number, boolean or {min, max} range", wanted)
    return MappingProxyType(conditions)


class Recordings:
    """The voice-line manifests of every root merged by line id (a later root's line
    replaces an earlier one's), and whether one of them failed to load."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.lines: dict[str, VoiceLine] = {}
        self.incomplete = False
        for root in roots:
            if not (root / MANIFEST_PATH).is_file():
                continue
            try:
                self.lines.update({line.id: line for line in load_manifest(root)})
            except (OSError, ValueError):
                self.incomplete = True  # the voice-line system reports its own manifest


def check_voice_lines(table: list[tuple[Fields, Line]], recordings: Recordings) -> list[Line]:
    """The table's lines, each ``voice_line`` checked against the recordings."""
    checked: list[Line] = []
    for fields, parsed in table:
        line = parsed
        recording = recordings.lines.get(line.voice_line) if line.voice_line else None
        if line.voice_line and recording is None and recordings.incomplete:
            # A manifest that did not load must not take the dialogue down with it: the
            # line is said from its text (synthesised) until the manifest is fixed.
            line = replace(line, voice_line=None)
        elif line.voice_line and recording is None:
            raise fields.error(
                "voice_line",
                f"field 'voice_line' names no line of voice_lines/lines.toml: {line.voice_line!r}",
            )
        elif recording is not None and recording.speaker != line.kind:
            raise fields.error(
                "voice_line",
                f"field 'voice_line' names {recording.id!r}, spoken by {recording.speaker!r}, "
                f"not by {line.kind!r}",
            )
        elif recording is not None and recording.text != line.text:
            raise fields.error(
                "voice_line",
                f"field 'voice_line' names {recording.id!r}, whose recording says "
                f"{recording.text!r}, not the line's text {line.text!r}",
            )
        checked.append(line)
    return checked
