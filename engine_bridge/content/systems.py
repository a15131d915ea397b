"""The runtime's optional content systems — voice lines, dialogue, story, knowledge —
started over the content roots, with a record of which are off and why.

No system vanishes silently: one that cannot start is logged once with the reason and
listed in :attr:`ContentSystems.off`; a content file that does not load is logged once as
a :class:`~engine_bridge.content.layers.ContentError` (file, line, field, reason) and left
out, and the rest of its system runs. The runtime (``runtime.content``), ``aicore doctor``
and the host's report (through the C ABI) all read the same record.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from engine_bridge.content.layers import ContentError, normalize_roots

if TYPE_CHECKING:
    from engine_bridge.content.dialogue import DialogueTables
    from engine_bridge.content.knowledge import KnowledgeBase
    from engine_bridge.content.story import StoryBook
    from vocal.voice_lines import VoiceLine

__all__ = ["SYSTEMS", "ContentSystems", "LoreDatabase", "SystemStatus"]

SYSTEMS: tuple[str, ...] = ("voice_lines", "dialogue", "story", "knowledge")
"""The optional systems, in the order they start."""


class LoreDatabase(Protocol):
    """Where the lore index is kept in the game: the player profile's store (its live
    database), written by the store's one writer thread."""

    def open_reader(self) -> sqlite3.Connection:
        """A new read-only connection to the database (the caller closes it)."""
        ...

    def run_write(self, task: Callable[[sqlite3.Connection], bool]) -> bool:
        """Run ``task`` on the writer thread with the write connection; its result."""
        ...


log = logging.getLogger("aicore.content")

_T = TypeVar("_T")


@dataclass(frozen=True)
class SystemStatus:
    """Whether one system is on, and if not, why; and the content files it left out."""

    name: str
    on: bool
    reason: str | None = None
    """Why it is off (``None`` when it is on)."""
    errors: tuple[ContentError, ...] = field(default=())
    """Its content files that did not load (the system runs without them)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "system": self.name,
            "on": self.on,
            "reason": self.reason,
            "errors": [error.as_dict() for error in self.errors],
        }


class ContentSystems:
    """Starts each content system over ``content_roots`` (later roots layered over earlier
    ones, :mod:`engine_bridge.content.layers`); the knowledge index lives in
    ``lore_database`` (the profile's store: tables of its own, rebuilt when the lore
    changes), or in memory without one."""

    def __init__(
        self, content_roots: Iterable[str | Path], lore_database: LoreDatabase | None = None
    ) -> None:
        self.roots = normalize_roots(content_roots)
        self.status: dict[str, SystemStatus] = {}
        self._manifest_errors: tuple[ContentError, ...] = ()
        self.lines: dict[str, VoiceLine] = self._start("voice_lines", self._voice_lines) or {}
        self.dialogue: DialogueTables | None = self._start("dialogue", self._dialogue)
        self.story: StoryBook | None = self._start("story", self._story)
        self.knowledge: KnowledgeBase | None = self._start(
            "knowledge", lambda: self._knowledge(lore_database)
        )

    @property
    def off(self) -> dict[str, str]:
        """Each system that is off, with the reason."""
        return {name: s.reason or "" for name, s in self.status.items() if not s.on}

    @property
    def errors(self) -> list[ContentError]:
        """Every content file left out, over all systems."""
        return [error for s in self.status.values() for error in s.errors]

    def problems(self) -> list[tuple[str, str | None, int | None, str | None, str]]:
        """Each system that is off and each content file left out, as plain tuples
        ``(system, file, line, field, reason)`` (``file`` None: the whole system is off),
        for the C ABI's ``aicore_runtime_content_problem``."""
        out: list[tuple[str, str | None, int | None, str | None, str]] = []
        for name, status in self.status.items():
            if not status.on:
                out.append((name, None, None, None, status.reason or ""))
            for error in status.errors:
                out.append((name, str(error.file), error.line, error.field, error.reason))
        return out

    def close(self) -> None:
        if self.knowledge is not None:
            self.knowledge.close()

    # -- each system --------------------------------------------------------------------

    def _start(self, name: str, start: Callable[[], _T]) -> _T | None:
        if not self.roots:
            self._off(name, "no content root")
            return None
        try:
            system = start()
        except ImportError as exc:
            self._off(name, f"cannot import its module: {exc}")
            return None
        except (OSError, ValueError, sqlite3.Error) as exc:
            self._off(name, f"{type(exc).__name__}: {exc}")
            return None
        errors = tuple(getattr(system, "errors", ()))
        if name == "voice_lines":
            errors = self._manifest_errors
        for error in errors:
            log.error("%s: a content file was left out: %s", name, error)
        self.status[name] = SystemStatus(name, True, None, errors)
        return system

    def _off(self, name: str, reason: str) -> None:
        log.error("%s is off: %s", name, reason)
        self.status[name] = SystemStatus(name, False, reason)

    def _voice_lines(self) -> dict[str, VoiceLine]:
        from vocal.voice_lines import MANIFEST_PATH, load_manifest

        manifests = [root for root in self.roots if (root / MANIFEST_PATH).is_file()]
        if not manifests:
            raise FileNotFoundError(f"no {MANIFEST_PATH} in any content root")
        lines: dict[str, VoiceLine] = {}
        for root in manifests:
            try:
                loaded = load_manifest(root)
            except ContentError as exc:
                self._manifest_errors += (exc,)
                continue
            except OSError as exc:
                reason = f"cannot be read: {exc.strerror or exc}"
                self._manifest_errors += (ContentError(root / MANIFEST_PATH, reason),)
                continue
            # Merged by line id: a later root's line replaces the earlier root's.
            lines.update({line.id: line for line in loaded})
        return lines

    def _dialogue(self) -> DialogueTables:
        module = importlib.import_module("engine_bridge.content.dialogue")
        return module.DialogueTables.load(*self.roots)

    def _story(self) -> StoryBook:
        module = importlib.import_module("engine_bridge.content.story")
        return module.StoryBook.load(*self.roots)

    def _knowledge(self, lore_database: LoreDatabase | None) -> KnowledgeBase:
        module = importlib.import_module("engine_bridge.content.knowledge")
        if lore_database is None:
            return module.KnowledgeBase.open(":memory:", *self.roots)
        return module.KnowledgeBase.in_database(
            lore_database.open_reader, lore_database.run_write, *self.roots
        )
