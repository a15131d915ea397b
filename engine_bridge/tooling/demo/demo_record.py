"""What the demo did, as data, for the page it ends with (docs/qa.md, "The demo's report").

A step that has something to show takes a keyword argument ``record`` and adds to it:
the lines its NPCs spoke (:class:`SpokenLine`), what happened when (:class:`WorldEvent`),
the story beats reached (:class:`BeatReached`), what the sync step counted
(:class:`SyncCounts`). :func:`~engine_bridge.tooling.demo.run_demo` times every step. The
report reads this record, never the steps' printed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BeatReached",
    "DemoRecord",
    "SpokenLine",
    "StepTiming",
    "SyncCounts",
    "WorldEvent",
]


@dataclass(frozen=True)
class StepTiming:
    """One step: its title, when it started (seconds since the demo began), how long it
    took, and its summary lines."""

    title: str
    started_s: float
    seconds: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class WorldEvent:
    """Something that happened in a step's world: ``step`` its title, ``clock`` what
    ``at`` counts (``"frame"`` or ``"second"``), ``who`` (an NPC, or ``""``), ``what``."""

    step: str
    clock: str
    at: float
    who: str
    what: str


@dataclass(frozen=True)
class SpokenLine:
    """A line an NPC spoke: ``speaker`` (its name or kind), ``archetype`` the voice it
    spoke in (``""`` for a human voice), ``text``, ``line`` the shipped line's id (``""``
    for new text), ``wav`` the demo's render of it in that voice, when one was written;
    ``step``, ``clock`` and ``at`` when it was said."""

    step: str
    clock: str
    at: float
    speaker: str
    archetype: str
    text: str
    line: str = ""
    wav: Path | None = None


@dataclass(frozen=True)
class BeatReached:
    """A story beat completed, at ``frame`` of the story's play-through."""

    beat: str
    title: str
    frame: int


@dataclass(frozen=True)
class SyncCounts:
    """The sync step's tally (docs/sync.md): events the game produced, the gateway
    acknowledged (delivered), applied twice (duplicates) and never got (lost); what waited
    in the outbox while the gateway was down; the client's reconnects."""

    produced: int
    delivered: int
    duplicates: int
    lost: int
    offline_pending: int
    reconnects: int


@dataclass
class DemoRecord:
    """Everything the demo's steps recorded, in the order they ran."""

    out_dir: Path
    steps: list[StepTiming] = field(default_factory=list)
    events: list[WorldEvent] = field(default_factory=list)
    spoken: list[SpokenLine] = field(default_factory=list)
    beats: list[BeatReached] = field(default_factory=list)
    sync: SyncCounts | None = None
    files: dict[str, Path] = field(default_factory=dict)
    """Files a step wrote that the page shows (``"scene"``: the graveyard scene's WAV)."""

    def voice_file(self, archetype: str, line: str) -> Path | None:
        """The voices step's render of shipped ``line`` as ``archetype``, if it wrote one."""
        if not archetype or not line:
            return None
        path = self.out_dir / "voices" / archetype / f"{line}.wav"
        return path if path.is_file() else None
