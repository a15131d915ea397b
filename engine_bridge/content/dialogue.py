"""What NPCs say: line tables per NPC kind, chosen by topic, mood, story flags and memory.

``content/dialogue/<kind>.toml`` holds one ``[[line]]`` table per line of that kind (any
kind a script defines: the file name is the kind)::

    [[line]]
    id = "ghoul_bargain_gate"        # lower_snake_case, unique across every table
    topic = "bargain"                # greeting, threat, bargain, flee, idle, ...
    text = "Leave the body at the gate, and I will leave you be."
    voice_line = "ghoul_bargain"     # optional: a recording in voice_lines/lines.toml of
                                     # this kind whose text is exactly `text`
    mood = ["hungry", "calm"]        # optional: said only in one of these moods
    requires_flags = ["met_broker"]  # optional: story flags that must all be set
    forbids_flags = ["ghoul_fed"]    # optional: story flags that must all be unset
    memory = { times_met = { min = 1 }, owes_body = true }
                                     # optional: memory key -> required value, or a
                                     # numeric range {min = .., max = ..} (inclusive)
    weight = 2.0                     # optional, default 1: how often, among the fitting

``text`` may hold ``{variables}`` (``{player}``, ``{npc}``, ``{price}``, ...), filled in
from :meth:`DialogueTables.choose`'s ``variables``; a brace that is not part of a
``{lower_snake_case}`` variable is an error.

Translations live in ``content/dialogue/locale/<lang>/<kind>.toml``, one
``line_id = "text"`` per line; a line without one is said in English.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

from engine_bridge.content.layers import ContentError, has_folder, layered_files, normalize_roots
from vocal.content_fields import ID_PATTERN, ContentFile, Fields
from vocal.voice_lines import MANIFEST_PATH, VoiceLine, load_manifest

__all__ = ["DIALOGUE_DIR", "DialogueLine", "DialogueTables"]

DIALOGUE_DIR: Path = Path("dialogue")
"""Where the line tables live, relative to the content root."""

_log = logging.getLogger(__name__)

_LANG_PATTERN = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_VARIABLE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
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
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class DialogueLine:
    """A chosen line, ready to show and say."""

    id: str
    kind: str
    topic: str
    text: str
    """In :attr:`lang`, with the variables filled in."""
    voice_line: str | None
    """The recording of :attr:`text` (a ``voice_lines/lines.toml`` id); only for English."""
    lang: str
    """The language :attr:`text` is in: the one asked for, or ``"en"`` as the fallback."""


@dataclass(frozen=True)
class _Range:
    low: float | None
    high: float | None

    def admits(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class _Line:
    id: str
    kind: str
    topic: str
    text: str
    voice_line: str | None
    moods: frozenset[str] | None
    requires_flags: frozenset[str]
    forbids_flags: frozenset[str]
    memory: Mapping[str, Any]
    """Key -> exact value (same type) or :class:`_Range`."""
    weight: float

    def fits(self, mood: str | None, flags: frozenset[str], memory: Mapping[str, Any]) -> bool:
        if self.moods is not None and mood not in self.moods:
            return False
        if not self.requires_flags <= flags or self.forbids_flags & flags:
            return False
        for key, wanted in self.memory.items():
            if key not in memory:
                return False
            value = memory[key]
            if isinstance(wanted, _Range):
                if not wanted.admits(value):
                    return False
            # type() too: True == 1 in Python, but a flag is not a count.
            elif type(value) is not type(wanted) or value != wanted:
                return False
        return True


class DialogueTables:
    """Every NPC kind's lines and their translations; build it with :meth:`load`."""

    def __init__(
        self,
        lines: dict[str, list[_Line]],
        translations: dict[str, dict[str, str]],
        errors: Iterable[ContentError] = (),
    ) -> None:
        self._lines = lines
        self._translations = translations
        self.errors: tuple[ContentError, ...] = tuple(errors)
        """The files that did not load, one error each; every other file did."""
        # Each (lang, line id) missing a translation, and each (line id, variable) left
        # unfilled, is logged once: choose() runs every frame and must not flood the log.
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def load(cls, *content_roots: str | Path) -> Self:
        """Read and check every table and translation under ``<root>/dialogue`` of each
        content root, later roots layered over earlier ones (:mod:`engine_bridge.content.layers`:
        a file of the same name replaces the earlier one, other files are added).

        A table is named after the NPC kind it is for (``dialogue/<kind>.toml``, any
        lower_snake_case name: the kinds are whatever the scripts define). A file that does
        not load — not valid TOML; a line that lacks a field, has an unknown one (an unknown
        condition) or one of the wrong type; an id another loaded file already has; a
        ``voice_line`` naming no recording of that kind or one whose text differs; a
        translation naming an unknown line id or a variable the English line lacks — is
        left out, with one :class:`ContentError` in :attr:`errors` naming the file and the
        field. The other files load.

        Raises:
            FileNotFoundError: no content root has a ``dialogue`` folder.
        """
        roots = normalize_roots(content_roots)
        if not has_folder(roots, DIALOGUE_DIR):
            shown = ", ".join(str(root / DIALOGUE_DIR) for root in roots)
            raise FileNotFoundError(f"{shown}: no dialogue folder in the content root")
        recordings = _Recordings(roots)
        errors: list[ContentError] = []
        lines: dict[str, list[_Line]] = {}
        first_seen: dict[str, Path] = {}
        left_out: set[str] = set()
        for name, (root, path) in layered_files(roots, DIALOGUE_DIR).items():
            left_out.add(name)
            try:
                kind = _kind_of(path, name)
                table = _check_voice_lines(
                    _parse_table(root, path, kind, first_seen), recordings
                )
            except ContentError as exc:
                errors.append(exc)
                continue
            left_out.discard(name)
            for line in table:
                first_seen[line.id] = path
            lines[kind] = table
        by_id = {line.id: line for table in lines.values() for line in table}
        # A table left out takes its translations with it: its own error says why.
        translations = _load_translations(roots, by_id, left_out, errors)
        return cls(lines, translations, errors)

    def kinds(self) -> frozenset[str]:
        """The NPC kinds that have a table."""
        return frozenset(self._lines)

    def topics(self, kind: str) -> frozenset[str]:
        """The topics ``kind`` has lines for (none when it has no table)."""
        return frozenset(line.topic for line in self._lines.get(_checked_kind(kind), ()))

    def choose(
        self,
        kind: str,
        topic: str,
        *,
        mood: str | None = None,
        flags: Iterable[str] = frozenset(),
        memory: Mapping[str, Any] = _EMPTY,
        lang: str = "en",
        variables: Mapping[str, Any] = _EMPTY,
        rng: random.Random | None = None,
    ) -> DialogueLine | None:
        """One of ``kind``'s lines on ``topic`` that fits, or ``None`` when none does.

        A line fits when ``mood`` is one of its moods (a line without moods fits any mood,
        and ``mood=None`` fits only those), every flag it requires is in ``flags``, none it
        forbids is, and ``memory`` holds every value it asks for. Among the fitting lines
        one is drawn by weight with ``rng`` (the same seed, the same choice).

        The text is ``lang``'s translation when there is one, else English (logged once
        per language and line); ``{name}`` is replaced by ``str(variables[name])``, or
        left as it is — and logged once — when ``variables`` lacks it.

        A kind without a table (one no content root has ``dialogue/<kind>.toml`` for, or
        whose table did not load) has no line to say: ``None``.

        Raises:
            ValueError: ``kind`` is not a lower_snake_case name.
        """
        flag_set = frozenset(flags)
        candidates = [
            line
            for line in self._lines.get(_checked_kind(kind), ())
            if line.topic == topic and line.fits(mood, flag_set, memory)
        ]
        if not candidates:
            return None
        generator = rng if rng is not None else random
        line = generator.choices(candidates, weights=[c.weight for c in candidates])[0]

        text = line.text
        used = "en"
        if lang != "en":
            translated = self._translations.get(lang, {}).get(line.id)
            if translated is not None:
                text, used = translated, lang
            elif (lang, line.id) not in self._warned:
                self._warned.add((lang, line.id))
                _log.warning(
                    "dialogue line %r has no %r translation; saying it in English", line.id, lang
                )
        return DialogueLine(
            id=line.id,
            kind=line.kind,
            topic=line.topic,
            text=self._fill(line.id, text, variables),
            voice_line=line.voice_line if used == "en" else None,
            lang=used,
        )

    def _fill(self, line_id: str, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if (line_id, name) not in self._warned:
                self._warned.add((line_id, name))
                _log.warning("dialogue line %r: no value for variable {%s}", line_id, name)
            return match.group(0)

        return _VARIABLE.sub(replace, text)


def _checked_kind(kind: str) -> str:
    if not isinstance(kind, str) or not ID_PATTERN.fullmatch(kind):
        raise ValueError(f"kind must be a lower_snake_case NPC kind; got {kind!r}")
    return kind


def _kind_of(path: Path, name: str) -> str:
    kind = name.removesuffix(".toml")
    if not ID_PATTERN.fullmatch(kind):
        raise ContentError(
            path,
            f"the file name must be an NPC kind in lower_snake_case, got {kind!r}",
        )
    return kind


def _read_toml(root: Path, path: Path) -> ContentFile:
    # Resolving first means a symlink cannot lead out of the content root.
    if not path.resolve().is_relative_to(root):
        raise ContentError(path, f"lies outside the content root {root}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, f"cannot be read: {exc.strerror or exc}") from exc
    return ContentFile.parse(path, data)


def _checked_text(fields: Fields, name: str) -> str:
    text = fields.text(name)
    stray = _VARIABLE.sub("", text)
    if "{" in stray or "}" in stray:
        raise fields.error(
            name,
            f"field {name!r} has a brace outside a {{lower_snake_case}} variable: {text!r}",
        )
    return text


def _parse_table(
    root: Path, path: Path, kind: str, first_seen: dict[str, Path]
) -> list[tuple[Fields, _Line]]:
    file = _read_toml(root, path)
    file.top().allow_only({"line"})
    lines: list[tuple[Fields, _Line]] = []
    ids: set[str] = set()
    for fields in file.tables("line"):
        line = _parse_line(fields, kind)
        earlier = first_seen.get(line.id) or (path if line.id in ids else None)
        if earlier is not None:
            raise fields.error("id", f"field 'id' repeats the id of a line in {earlier}")
        ids.add(line.id)
        lines.append((fields, line))
    return lines


def _parse_line(fields: Fields, kind: str) -> _Line:
    fields.require("id", "topic", "text")
    fields.allow_only(_LINE_FIELDS, listed=True)
    line_id, topic = fields.identifier("id"), fields.identifier("topic")
    voice_line = fields.get("voice_line")
    if voice_line is not None and not isinstance(voice_line, str):
        raise fields.invalid("voice_line", "a voice line id", voice_line)
    moods = None
    if "mood" in fields:
        moods = frozenset(
            fields.names("mood", non_empty=True, what="a list of at least one lower_snake_case mood")
        )
    return _Line(
        id=line_id,
        kind=kind,
        topic=topic,
        text=_checked_text(fields, "text"),
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
            conditions[key] = _Range(low, high)
        elif isinstance(wanted, bool | int | float | str):
            conditions[key] = wanted
        else:
            raise memory.invalid(
                key, "a string, number, boolean or {min, max} range", wanted
            )
    return MappingProxyType(conditions)


class _Recordings:
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


def _check_voice_lines(
    table: list[tuple[Fields, _Line]], recordings: _Recordings
) -> list[_Line]:
    """The table's lines, each ``voice_line`` checked against the recordings."""
    checked: list[_Line] = []
    for fields, line in table:
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


def _load_translations(
    roots: tuple[Path, ...],
    by_id: Mapping[str, _Line],
    left_out: set[str],
    errors: list[ContentError],
) -> dict[str, dict[str, str]]:
    translations: dict[str, dict[str, str]] = {}
    languages: dict[str, list[Path]] = {}
    for root in roots:
        folder = root / DIALOGUE_DIR / "locale"
        if not folder.is_dir():
            continue
        for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            lang = lang_dir.name
            if not _LANG_PATTERN.fullmatch(lang) or lang == "en":
                errors.append(
                    ContentError(
                        lang_dir,
                        "the folder name must be a language code other than 'en' "
                        f"such as 'fr' or 'pt_BR', got {lang!r}",
                    )
                )
                continue
            languages.setdefault(lang, []).append(root)
    for lang, lang_roots in sorted(languages.items()):
        texts: dict[str, str] = {}
        folder = DIALOGUE_DIR / "locale" / lang
        for name, (root, path) in layered_files(lang_roots, folder).items():
            if name in left_out:
                continue
            try:
                texts.update(_parse_translation(root, path, name, by_id))
            except ContentError as exc:
                errors.append(exc)
        translations[lang] = texts
    return translations


def _parse_translation(
    root: Path, path: Path, name: str, by_id: Mapping[str, _Line]
) -> dict[str, str]:
    kind = _kind_of(path, name)
    fields = _read_toml(root, path).top()
    texts: dict[str, str] = {}
    for line_id, _text in fields.items():
        line = by_id.get(line_id)
        if line is None or line.kind != kind:
            raise fields.error(line_id, f"field {line_id!r} names no line of {kind}'s table")
        text = _checked_text(fields, line_id)
        unknown = set(_VARIABLE.findall(text)) - set(_VARIABLE.findall(line.text))
        if unknown:
            raise fields.error(
                line_id,
                f"field {line_id!r} uses variable {{{sorted(unknown)[0]}}}, "
                "which the English line does not",
            )
        texts[line_id] = text
    return texts
