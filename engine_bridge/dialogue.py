"""What NPCs say: line tables per NPC kind, chosen by topic, mood, story flags and memory.

``content/dialogue/<kind>.toml`` holds one ``[[line]]`` table per line of that kind::

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
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

from vocal.voice_lines import load_manifest

__all__ = ["DIALOGUE_DIR", "NPC_KINDS", "DialogueLine", "DialogueTables"]

DIALOGUE_DIR: Path = Path("dialogue")
"""Where the line tables live, relative to the content root."""

NPC_KINDS: frozenset[str] = frozenset(
    {"aethelred", "vampire", "zombie", "werewolf", "wraith", "ghoul", "townsfolk"}
)
"""The NPC kinds of The Body Broker; ``aethelred`` is the body broker himself."""

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
        self, lines: dict[str, list[_Line]], translations: dict[str, dict[str, str]]
    ) -> None:
        self._lines = lines
        self._translations = translations
        # Each (lang, line id) missing a translation, and each (line id, variable) left
        # unfilled, is logged once: choose() runs every frame and must not flood the log.
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def load(cls, content_root: str | Path) -> Self:
        """Read and check every table and translation under ``<content_root>/dialogue``.

        Raises:
            FileNotFoundError: there is no ``dialogue`` folder.
            ValueError: a file is not valid TOML or is named after no NPC kind; a line
                lacks a field, has an unknown one (an unknown condition) or one of the
                wrong type; two lines share an id; a ``voice_line`` names no recording of
                that kind or one whose text differs; a translation names an unknown line
                id or a variable the English line lacks. The message names the file and
                the field.
        """
        root = Path(content_root).resolve()
        folder = root / DIALOGUE_DIR
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no dialogue folder in the content root")
        lines: dict[str, list[_Line]] = {}
        first_seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            kind = path.stem
            if kind not in NPC_KINDS:
                raise ValueError(
                    f"{path}: the file name must be an NPC kind "
                    f"({', '.join(sorted(NPC_KINDS))}), got {kind!r}"
                )
            lines[kind] = _parse_table(root, path, kind, first_seen)
        _check_voice_lines(root, lines)
        by_id = {line.id: line for table in lines.values() for line in table}
        translations = _load_translations(root, folder / "locale", by_id)
        return cls(lines, translations)

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

        Raises:
            ValueError: ``kind`` is not an NPC kind.
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
    if kind not in NPC_KINDS:
        raise ValueError(f"kind must be one of {', '.join(sorted(NPC_KINDS))}; got {kind!r}")
    return kind


def _read_toml(root: Path, path: Path) -> dict[str, Any]:
    # Resolving first means a symlink cannot lead out of the content root.
    if not path.resolve().is_relative_to(root):
        raise ValueError(f"{path}: lies outside the content root {root}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not valid UTF-8 TOML: {exc}") from exc


def _check_text(where: str, field: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: field {field!r} must be a non-empty string")
    stray = _VARIABLE.sub("", text)
    if "{" in stray or "}" in stray:
        raise ValueError(
            f"{where}: field {field!r} has a brace outside a {{lower_snake_case}} variable: "
            f"{text!r}"
        )
    return text


def _parse_table(root: Path, path: Path, kind: str, first_seen: dict[str, Path]) -> list[_Line]:
    document = _read_toml(root, path)
    extra = set(document) - {"line"}
    if extra:
        raise ValueError(f"{path}: unknown top-level field {sorted(extra)[0]!r}")
    tables = document.get("line")
    if not isinstance(tables, list) or not tables:
        raise ValueError(f"{path}: field 'line' must be one or more [[line]] tables")
    lines = []
    for number, table in enumerate(tables, start=1):
        line = _parse_line(path, number, kind, table)
        if line.id in first_seen:
            raise ValueError(
                f"{path}: line {number} ({line.id!r}): field 'id' repeats the id of a line "
                f"in {first_seen[line.id]}"
            )
        first_seen[line.id] = path
        lines.append(line)
    return lines


def _parse_line(path: Path, number: int, kind: str, table: Any) -> _Line:
    where = f"{path}: line {number}"
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a [[line]] table")
    if isinstance(table.get("id"), str):
        where += f" ({table['id']!r})"
    for field in ("id", "topic", "text"):
        if field not in table:
            raise ValueError(f"{where}: field {field!r} is missing")
    extra = set(table) - _LINE_FIELDS
    if extra:
        raise ValueError(
            f"{where}: unknown field {sorted(extra)[0]!r} "
            f"(fields and conditions: {', '.join(sorted(_LINE_FIELDS))})"
        )

    for field in ("id", "topic"):
        if not isinstance(table[field], str) or not _ID_PATTERN.fullmatch(table[field]):
            raise ValueError(
                f"{where}: field {field!r} must be lower_snake_case, got {table[field]!r}"
            )
    voice_line = table.get("voice_line")
    if voice_line is not None and not isinstance(voice_line, str):
        raise ValueError(f"{where}: field 'voice_line' must be a voice line id")
    moods = table.get("mood")
    if moods is not None:
        moods = _names(where, "mood", moods)
        if not moods:
            raise ValueError(f"{where}: field 'mood' must name at least one mood")
    weight = table.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        raise ValueError(f"{where}: field 'weight' must be a positive number, got {weight!r}")
    return _Line(
        id=table["id"],
        kind=kind,
        topic=table["topic"],
        text=_check_text(where, "text", table["text"]),
        voice_line=voice_line,
        moods=moods,
        requires_flags=_names(where, "requires_flags", table.get("requires_flags", [])),
        forbids_flags=_names(where, "forbids_flags", table.get("forbids_flags", [])),
        memory=_parse_memory(where, table.get("memory", {})),
        weight=float(weight),
    )


def _names(where: str, field: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(
        isinstance(name, str) and _ID_PATTERN.fullmatch(name) for name in value
    ):
        raise ValueError(
            f"{where}: field {field!r} must be a list of lower_snake_case names, got {value!r}"
        )
    return frozenset(value)


def _parse_memory(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: field 'memory' must be a table of key = value")
    conditions: dict[str, Any] = {}
    for key, wanted in value.items():
        field = f"memory.{key}"
        if isinstance(wanted, dict):
            extra = set(wanted) - _RANGE_KEYS
            if extra or not wanted:
                raise ValueError(
                    f"{where}: field {field!r} must be {{min = .., max = ..}} "
                    f"(either or both), got {wanted!r}"
                )
            bounds = {k: wanted.get(k) for k in _RANGE_KEYS}
            for bound in bounds.values():
                if bound is not None and (
                    isinstance(bound, bool) or not isinstance(bound, int | float)
                ):
                    raise ValueError(f"{where}: field {field!r}: min and max must be numbers")
            low, high = bounds["min"], bounds["max"]
            if low is not None and high is not None and low > high:
                raise ValueError(f"{where}: field {field!r}: min {low} is above max {high}")
            conditions[key] = _Range(low, high)
        elif isinstance(wanted, bool | int | float | str):
            conditions[key] = wanted
        else:
            raise ValueError(
                f"{where}: field {field!r} must be a string, number, boolean or "
                f"{{min, max}} range, got {wanted!r}"
            )
    return MappingProxyType(conditions)


def _check_voice_lines(root: Path, lines: dict[str, list[_Line]]) -> None:
    voiced = [line for table in lines.values() for line in table if line.voice_line]
    if not voiced:
        return  # a content root without recordings needs no manifest
    recordings = {recording.id: recording for recording in load_manifest(root)}
    for line in voiced:
        where = f"{root / DIALOGUE_DIR / line.kind}.toml: line {line.id!r}"
        recording = recordings.get(line.voice_line or "")
        if recording is None:
            raise ValueError(
                f"{where}: field 'voice_line' names no line of voice_lines/lines.toml: "
                f"{line.voice_line!r}"
            )
        # The voice manifest calls Aethelred by his trade.
        speaker = "broker" if line.kind == "aethelred" else line.kind
        if recording.speaker != speaker:
            raise ValueError(
                f"{where}: field 'voice_line' names {recording.id!r}, spoken by "
                f"{recording.speaker!r}, not by {speaker!r}"
            )
        if recording.text != line.text:
            raise ValueError(
                f"{where}: field 'voice_line' names {recording.id!r}, whose recording says "
                f"{recording.text!r}, not the line's text {line.text!r}"
            )


def _load_translations(
    root: Path, folder: Path, by_id: Mapping[str, _Line]
) -> dict[str, dict[str, str]]:
    translations: dict[str, dict[str, str]] = {}
    if not folder.is_dir():
        return translations
    for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        lang = lang_dir.name
        if not _LANG_PATTERN.fullmatch(lang) or lang == "en":
            raise ValueError(
                f"{lang_dir}: the folder name must be a language code other than 'en' "
                f"such as 'fr' or 'pt_BR', got {lang!r}"
            )
        texts: dict[str, str] = {}
        for path in sorted(lang_dir.glob("*.toml")):
            kind = path.stem
            if kind not in NPC_KINDS:
                raise ValueError(f"{path}: the file name must be an NPC kind, got {kind!r}")
            for line_id, text in _read_toml(root, path).items():
                line = by_id.get(line_id)
                if line is None or line.kind != kind:
                    raise ValueError(f"{path}: field {line_id!r} names no line of {kind}'s table")
                _check_text(f"{path}", line_id, text)
                unknown = set(_VARIABLE.findall(text)) - set(_VARIABLE.findall(line.text))
                if unknown:
                    raise ValueError(
                        f"{path}: field {line_id!r} uses variable {{{sorted(unknown)[0]}}}, "
                        "which the English line does not"
                    )
                texts[line_id] = text
        translations[lang] = texts
    return translations
