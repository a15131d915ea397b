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
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

from engine_bridge.content.layers import (
    ContentError,
    has_folder,
    layered_files,
    normalize_roots,
    toml_error_line,
)
from vocal.voice_lines import MANIFEST_PATH, VoiceLine, load_manifest

__all__ = ["DIALOGUE_DIR", "DialogueLine", "DialogueTables"]

DIALOGUE_DIR: Path = Path("dialogue")
"""Where the line tables live, relative to the content root."""

_log = logging.getLogger(__name__)

_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
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
                table = _parse_table(root, path, kind, first_seen)
                _check_voice_lines(path, table, recordings)
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
    if not isinstance(kind, str) or not _ID_PATTERN.fullmatch(kind):
        raise ValueError(f"kind must be a lower_snake_case NPC kind; got {kind!r}")
    return kind


def _kind_of(path: Path, name: str) -> str:
    kind = name.removesuffix(".toml")
    if not _ID_PATTERN.fullmatch(kind):
        raise ContentError(
            path,
            f"the file name must be an NPC kind in lower_snake_case, got {kind!r}",
        )
    return kind


def _read_toml(root: Path, path: Path) -> dict[str, Any]:
    # Resolving first means a symlink cannot lead out of the content root.
    if not path.resolve().is_relative_to(root):
        raise ContentError(path, f"lies outside the content root {root}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        line = toml_error_line(exc) if isinstance(exc, tomllib.TOMLDecodeError) else None
        raise ContentError(path, f"not valid UTF-8 TOML: {exc}", line=line) from exc
    except OSError as exc:
        raise ContentError(path, f"cannot be read: {exc.strerror or exc}") from exc


def _check_text(path: Path, where: str, field: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ContentError(path, f"{where}field {field!r} must be a non-empty string", field=field)
    stray = _VARIABLE.sub("", text)
    if "{" in stray or "}" in stray:
        raise ContentError(
            path,
            f"{where}field {field!r} has a brace outside a {{lower_snake_case}} variable: {text!r}",
            field=field,
        )
    return text


def _parse_table(root: Path, path: Path, kind: str, first_seen: dict[str, Path]) -> list[_Line]:
    document = _read_toml(root, path)
    extra = set(document) - {"line"}
    if extra:
        field = sorted(extra)[0]
        raise ContentError(path, f"unknown top-level field {field!r}", field=field)
    tables = document.get("line")
    if not isinstance(tables, list) or not tables:
        raise ContentError(path, "field 'line' must be one or more [[line]] tables", field="line")
    lines = []
    ids: set[str] = set()
    for number, table in enumerate(tables, start=1):
        try:
            line = _parse_line(path, number, kind, table)
        except ContentError as exc:
            exc.table_id = _table_id(table)
            raise
        earlier = first_seen.get(line.id) or (path if line.id in ids else None)
        if earlier is not None:
            raise ContentError(
                path,
                f"line {number} ({line.id!r}): field 'id' repeats the id of a line in {earlier}",
                field="id",
                table_id=line.id,
            )
        ids.add(line.id)
        lines.append(line)
    return lines


def _table_id(table: Any) -> str | None:
    return table["id"] if isinstance(table, dict) and isinstance(table.get("id"), str) else None


def _parse_line(path: Path, number: int, kind: str, table: Any) -> _Line:
    where = f"line {number}"
    if not isinstance(table, dict):
        raise ContentError(path, f"{where}: must be a [[line]] table", field="line")
    if isinstance(table.get("id"), str):
        where += f" ({table['id']!r})"
    where += ": "
    for field in ("id", "topic", "text"):
        if field not in table:
            raise ContentError(path, f"{where}field {field!r} is missing", field=field)
    extra = set(table) - _LINE_FIELDS
    if extra:
        field = sorted(extra)[0]
        raise ContentError(
            path,
            f"{where}unknown field {field!r} "
            f"(fields and conditions: {', '.join(sorted(_LINE_FIELDS))})",
            field=field,
        )

    for field in ("id", "topic"):
        if not isinstance(table[field], str) or not _ID_PATTERN.fullmatch(table[field]):
            raise ContentError(
                path,
                f"{where}field {field!r} must be lower_snake_case, got {table[field]!r}",
                field=field,
            )
    voice_line = table.get("voice_line")
    if voice_line is not None and not isinstance(voice_line, str):
        raise ContentError(
            path, f"{where}field 'voice_line' must be a voice line id", field="voice_line"
        )
    moods = table.get("mood")
    if moods is not None:
        moods = _names(path, where, "mood", moods)
        if not moods:
            raise ContentError(
                path, f"{where}field 'mood' must name at least one mood", field="mood"
            )
    weight = table.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        raise ContentError(
            path, f"{where}field 'weight' must be a positive number, got {weight!r}", field="weight"
        )
    return _Line(
        id=table["id"],
        kind=kind,
        topic=table["topic"],
        text=_check_text(path, where, "text", table["text"]),
        voice_line=voice_line,
        moods=moods,
        requires_flags=_names(path, where, "requires_flags", table.get("requires_flags", [])),
        forbids_flags=_names(path, where, "forbids_flags", table.get("forbids_flags", [])),
        memory=_parse_memory(path, where, table.get("memory", {})),
        weight=float(weight),
    )


def _names(path: Path, where: str, field: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(
        isinstance(name, str) and _ID_PATTERN.fullmatch(name) for name in value
    ):
        raise ContentError(
            path,
            f"{where}field {field!r} must be a list of lower_snake_case names, got {value!r}",
            field=field,
        )
    return frozenset(value)


def _parse_memory(path: Path, where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(
            path, f"{where}field 'memory' must be a table of key = value", field="memory"
        )
    conditions: dict[str, Any] = {}
    for key, wanted in value.items():
        field = f"memory.{key}"
        if isinstance(wanted, dict):
            extra = set(wanted) - _RANGE_KEYS
            if extra or not wanted:
                raise ContentError(
                    path,
                    f"{where}field {field!r} must be {{min = .., max = ..}} "
                    f"(either or both), got {wanted!r}",
                    field=field,
                )
            bounds = {k: wanted.get(k) for k in _RANGE_KEYS}
            for bound in bounds.values():
                if bound is not None and (
                    isinstance(bound, bool) or not isinstance(bound, int | float)
                ):
                    raise ContentError(
                        path, f"{where}field {field!r}: min and max must be numbers", field=field
                    )
            low, high = bounds["min"], bounds["max"]
            if low is not None and high is not None and low > high:
                raise ContentError(
                    path, f"{where}field {field!r}: min {low} is above max {high}", field=field
                )
            conditions[key] = _Range(low, high)
        elif isinstance(wanted, bool | int | float | str):
            conditions[key] = wanted
        else:
            raise ContentError(
                path,
                f"{where}field {field!r} must be a string, number, boolean or "
                f"{{min, max}} range, got {wanted!r}",
                field=field,
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


def _check_voice_lines(path: Path, table: list[_Line], recordings: _Recordings) -> None:
    for index, line in enumerate(table):
        if not line.voice_line:
            continue
        where = f"line {line.id!r}: field 'voice_line'"
        recording = recordings.lines.get(line.voice_line)
        if recording is None and recordings.incomplete:
            # A manifest that did not load must not take the dialogue down with it: the
            # line is said from its text (synthesised) until the manifest is fixed.
            table[index] = replace(line, voice_line=None)
            continue
        if recording is None:
            raise ContentError(
                path,
                f"{where} names no line of voice_lines/lines.toml: {line.voice_line!r}",
                field="voice_line",
                table_id=line.id,
            )
        if recording.speaker != line.kind:
            raise ContentError(
                path,
                f"{where} names {recording.id!r}, spoken by {recording.speaker!r}, "
                f"not by {line.kind!r}",
                field="voice_line",
                table_id=line.id,
            )
        if recording.text != line.text:
            raise ContentError(
                path,
                f"{where} names {recording.id!r}, whose recording says "
                f"{recording.text!r}, not the line's text {line.text!r}",
                field="voice_line",
                table_id=line.id,
            )


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
    texts: dict[str, str] = {}
    for line_id, text in _read_toml(root, path).items():
        line = by_id.get(line_id)
        if line is None or line.kind != kind:
            raise ContentError(
                path, f"field {line_id!r} names no line of {kind}'s table", field=line_id
            )
        _check_text(path, "", line_id, text)
        unknown = set(_VARIABLE.findall(text)) - set(_VARIABLE.findall(line.text))
        if unknown:
            raise ContentError(
                path,
                f"field {line_id!r} uses variable {{{sorted(unknown)[0]}}}, "
                "which the English line does not",
                field=line_id,
            )
        texts[line_id] = text
    return texts
