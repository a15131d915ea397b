"""A dialogue line as the tables hold it (:class:`Line`: its conditions, and whether it
fits a moment) and as it is said (:class:`DialogueLine`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DIALOGUE_DIR", "VARIABLE", "DialogueLine", "Line", "Range"]

DIALOGUE_DIR: Path = Path("dialogue")
"""Where the line tables live, relative to the content root."""

VARIABLE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
"""A ``{lower_snake_case}`` variable in a line's text."""


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
class Range:
    """A numeric memory condition: ``{min = .., max = ..}``, either bound optional."""

    low: float | None
    high: float | None

    def admits(self, value: Any) -> bool:
        """Whether ``value`` is a number within the bounds."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class Line:
    """One line of a kind's table, with the conditions under which it may be said."""

    id: str
    kind: str
    topic: str
    text: str
    voice_line: str | None
    moods: frozenset[str] | None
    requires_flags: frozenset[str]
    forbids_flags: frozenset[str]
    memory: Mapping[str, Any]
    """Key -> exact value (same type) or :class:`Range`."""
    weight: float

    def fits(self, mood: str | None, flags: frozenset[str], memory: Mapping[str, Any]) -> bool:
        """Whether the line may be said in ``mood`` with these story flags and memory."""
        if self.moods is not None and mood not in self.moods:
            return False
        if not self.requires_flags <= flags or self.forbids_flags & flags:
            return False
        for key, wanted in self.memory.items():
            if key not in memory:
                return False
            value = memory[key]
            if isinstance(wanted, Range):
                if not wanted.admits(value):
                    return False
            # type() too: True == 1 in Python, but a flag is not a count.
            elif type(value) is not type(wanted) or value != wanted:
                return False
        return True
