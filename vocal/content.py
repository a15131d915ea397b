"""Where the shipped content lives, and the voice presets loaded from it.

:func:`content_root` is the one place that finds the shipped ``content/`` folder: the
runtime's sandbox, the ``aicore`` commands, the demo and ``tools/`` all ask it.
The content root is the repository's ``content/`` folder, or ``$AICORE_CONTENT`` when
set (a user's override, read once per call of :func:`content_root`). Every function here
takes the root to read as ``root=``; left out, it is :func:`content_root`, so a tool that
reads another root (``aicore check --content DIR``) passes it instead of changing the
environment. Presets are parsed and validated by the native core (so the engine and Python read
them the same way) and cached per file modification time, so an edited preset is picked
up without a restart.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from vocal import _native

__all__ = [
    "archetype_preset",
    "archetypes",
    "content_root",
    "environment_preset",
    "environments",
]


def content_root() -> Path:
    """The content folder: ``$AICORE_CONTENT`` or the repository's ``content/``."""
    override = os.environ.get("AICORE_CONTENT")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "content"


def _archetype_dir(root: Path | None) -> Path:
    return (content_root() if root is None else Path(root)) / "vocal" / "archetypes"


def _environments_file(root: Path | None) -> Path:
    return (content_root() if root is None else Path(root)) / "vocal" / "environments.json"


def archetypes(*, root: Path | None = None) -> list[str]:
    """Names of the archetypes of ``root`` (default: the shipped content), one preset file
    each, sorted."""
    return sorted(p.stem for p in _archetype_dir(root).glob("*.json"))


@cache
def _load_archetype(path: str, mtime_ns: int) -> _native.ArchetypePreset:
    del mtime_ns  # part of the cache key only
    return _native.load_archetype(path)


@cache
def _load_environments(path: str, mtime_ns: int) -> dict[str, _native.EnvironmentPreset]:
    del mtime_ns
    return {e.name: e for e in _native.load_environments(path)}


def archetype_preset(name: str, *, root: Path | None = None) -> _native.ArchetypePreset:
    """The validated preset of archetype ``name`` in ``root`` (default: the shipped
    content); ``ValueError`` names the known ones."""
    known = archetypes(root=root)
    if name not in known:
        raise ValueError(f"unknown archetype {name!r} (known: {', '.join(known)})")
    path = _archetype_dir(root) / f"{name}.json"
    return _load_archetype(str(path), path.stat().st_mtime_ns)


def _environment_table(root: Path | None) -> dict[str, _native.EnvironmentPreset]:
    path = _environments_file(root)
    return _load_environments(str(path), path.stat().st_mtime_ns)


def environments(*, root: Path | None = None) -> list[str]:
    """Names of the environments of ``root`` (default: the shipped content), sorted."""
    return sorted(_environment_table(root))


def environment_preset(name: str, *, root: Path | None = None) -> _native.EnvironmentPreset:
    """The validated preset of environment ``name`` in ``root`` (default: the shipped
    content); ``ValueError`` names the known ones."""
    table = _environment_table(root)
    if name not in table:
        raise ValueError(f"unknown environment {name!r} (known: {', '.join(table)})")
    return table[name]
