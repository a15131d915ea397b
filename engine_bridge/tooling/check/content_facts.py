"""What the script checks need to know of the content (archetypes, voice line ids, each
kind's dialogue topics), gathered by the content checks and handed to the checker
process as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ContentFacts"]


@dataclass
class ContentFacts:
    """What the script checks need to know of the content; None where it is unknown."""

    archetypes: list[str] | None = None
    line_ids: frozenset[str] | None = None
    topics: dict[str, frozenset[str]] | None = None
    """Each kind's dialogue topics."""
    manifest: Path | None = None
    models: list[str] | None = None
    """The decision models the content roots' ``models/manifest.toml`` declare."""
    kinds_named: dict[str, set[tuple[Path, str]]] = field(default_factory=dict)
    """Per content system, (file, kind) for each NPC kind the content names."""

    def to_json(self) -> dict[str, Any]:
        """What the script checks use, for the checker process."""
        return {
            "archetypes": self.archetypes,
            "line_ids": None if self.line_ids is None else sorted(self.line_ids),
            "topics": None
            if self.topics is None
            else {kind: sorted(topics) for kind, topics in self.topics.items()},
            "manifest": None if self.manifest is None else str(self.manifest),
            "models": self.models,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContentFacts:
        line_ids, topics, manifest = data["line_ids"], data["topics"], data["manifest"]
        return cls(
            archetypes=data["archetypes"],
            line_ids=None if line_ids is None else frozenset(line_ids),
            topics=None if topics is None else {k: frozenset(v) for k, v in topics.items()},
            manifest=None if manifest is None else Path(manifest),
            models=data.get("models"),
        )
