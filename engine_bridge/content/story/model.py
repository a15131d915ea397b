"""The story's parts as values: quests, beats and the triggers that complete them.

The file format they are read from is described in :mod:`engine_bridge.content.story`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "STORY_DIR",
    "STORY_PATH",
    "Beat",
    "EventTrigger",
    "FlagTrigger",
    "FlagValue",
    "ManualTrigger",
    "Quest",
    "Trigger",
    "type_of",
]

STORY_DIR: Path = Path("story")
"""Where the story files live, relative to the content root; every ``*.toml`` loads."""

STORY_PATH: Path = STORY_DIR / "aethelred.toml"
"""The shipped story, relative to the content root."""

FlagValue = bool | int | str


@dataclass(frozen=True)
class EventTrigger:
    """Completes a beat on the ``count``-th matching engine event while it is active."""

    event: str
    name: str | None = None
    """Only a custom event of this name."""
    kind: str | None = None
    """Only an event involving an NPC of this kind."""
    count: int = 1

    def matches(self, event: Mapping[str, Any], kind: str | None) -> bool:
        return (
            event.get("type") == self.event
            and (self.name is None or event.get("name") == self.name)
            and (self.kind is None or kind == self.kind)
        )


@dataclass(frozen=True)
class FlagTrigger:
    """Completes a beat as soon as it is active and the flag is truthy (or equals ``value``)."""

    flag: str
    value: FlagValue | None = None

    def holds(self, flags: Mapping[str, FlagValue]) -> bool:
        current = flags[self.flag]
        return bool(current) if self.value is None else current == self.value


@dataclass(frozen=True)
class ManualTrigger:
    """Completes a beat only when a script calls :meth:`Story.complete`."""


Trigger = EventTrigger | FlagTrigger | ManualTrigger


@dataclass(frozen=True)
class Quest:
    """A quest: its journal entry and its beats."""

    id: str
    title: str
    summary: str
    beats: tuple[str, ...]
    """Its beats' ids, in the order they happen."""


@dataclass(frozen=True)
class Beat:
    """One step of a quest: what it requires, what completes it, what it sets."""

    id: str
    quest: str
    title: str
    summary: str
    requires: tuple[str, ...]
    """Beat ids that must be complete and flag names that must be truthy."""
    trigger: Trigger
    sets: Mapping[str, FlagValue]
    next: tuple[str, ...]
    """Hints: the beats that usually follow."""


def type_of(value: FlagValue) -> str:
    """``"a bool"``, ``"an int"`` or ``"a str"``: a flag's type, for messages."""
    return {bool: "a bool", int: "an int", str: "a str"}[type(value)]
