"""Every NPC kind's dialogue lines, loaded over the content roots, and the choice of the
line an NPC says (:class:`DialogueTables`)."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

from engine_bridge.content.dialogue.loading import (
    Recordings,
    check_voice_lines,
    kind_of,
    parse_table,
)
from engine_bridge.content.dialogue.model import DIALOGUE_DIR, VARIABLE, DialogueLine, Line
from engine_bridge.content.dialogue.translations import load_translations
from engine_bridge.content.layers import ContentError, has_folder, layered_files, normalize_roots
from vocal.content_fields import ID_PATTERN

__all__ = ["DialogueTables"]

# The package's name: what was one module is a package now, its logger's name is kept.
_log = logging.getLogger("engine_bridge.content.dialogue")

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class DialogueTables:
    """Every NPC kind's lines and their translations; build it with :meth:`load`."""

    def __init__(
        self,
        lines: dict[str, list[Line]],
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
        recordings = Recordings(roots)
        errors: list[ContentError] = []
        lines: dict[str, list[Line]] = {}
        first_seen: dict[str, Path] = {}
        left_out: set[str] = set()
        for name, (root, path) in layered_files(roots, DIALOGUE_DIR).items():
            left_out.add(name)
            try:
                kind = kind_of(path, name)
                table = check_voice_lines(parse_table(root, path, kind, first_seen), recordings)
            except ContentError as exc:
                errors.append(exc)
                continue
            left_out.discard(name)
            for line in table:
                first_seen[line.id] = path
            lines[kind] = table
        by_id = {line.id: line for table in lines.values() for line in table}
        # A table left out takes its translations with it: its own error says why.
        translations = load_translations(roots, by_id, left_out, errors)
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

        return VARIABLE.sub(replace, text)


def _checked_kind(kind: str) -> str:
    if not isinstance(kind, str) or not ID_PATTERN.fullmatch(kind):
        raise ValueError(f"kind must be a lower_snake_case NPC kind; got {kind!r}")
    return kind
