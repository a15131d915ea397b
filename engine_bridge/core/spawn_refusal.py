"""Why a kind cannot be spawned: checked before a slot is used, as a structured value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine_bridge.api import Npc
from engine_bridge.scripting.script_host import ScriptHost

__all__ = ["SpawnRefusal", "SpawnRefusedError", "spawn_refusal"]


@dataclass(frozen=True)
class SpawnRefusal:
    """Why a kind cannot be spawned: ``code`` "not_found" (no loaded script defines it) or
    "script_error" (the script declaring it failed to load: ``file``, ``line``, ``reason``)."""

    code: str
    reason: str
    file: str | None = None
    line: int | None = None


class SpawnRefusedError(LookupError):
    """Raised by ``Runtime.spawn`` for a kind that cannot be spawned; no slot was used."""

    def __init__(self, kind: str, refusal: SpawnRefusal) -> None:
        where = f" ({refusal.file}:{refusal.line or 1})" if refusal.file else ""
        super().__init__(f"kind {kind!r}: {refusal.reason}{where}")
        self.kind = kind
        self.refusal = refusal


def spawn_refusal(
    kind: str, classes: Mapping[str, type[Npc]], scripts: ScriptHost
) -> SpawnRefusal | None:
    """Why ``kind`` cannot be spawned, or None if one of the registered ``classes`` is
    of that kind; a script of ``scripts`` that failed to load names the reason."""
    if kind in classes:
        return None
    failed = scripts.failed_load_of(kind)
    if failed is not None:
        f = failed.failure
        return SpawnRefusal("script_error", f"{f.kind}: {f.message}", str(failed.path), f.line)
    return SpawnRefusal("not_found", "no loaded NPC script defines it")
