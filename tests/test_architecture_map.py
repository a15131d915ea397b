"""docs/architecture.md stays true: every module of engine_bridge is placed in exactly one
room of its table, and every path the page names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "architecture.md"


def _rooms() -> dict[str, list[str]]:
    rooms: dict[str, list[str]] = {}
    for line in MAP.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and "engine_bridge/" in cells[1]:
            rooms[cells[0]] = re.findall(r"`(engine_bridge/[^`]+\.py)`", cells[1])
    return rooms


def test_every_module_is_in_exactly_one_room() -> None:
    placed = [module for modules in _rooms().values() for module in modules]
    duplicates = sorted({m for m in placed if placed.count(m) > 1})
    assert not duplicates, f"placed twice in docs/architecture.md: {duplicates}"
    modules = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "engine_bridge").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    missing = sorted(set(modules) - set(placed))
    assert not missing, f"modules docs/architecture.md does not place: {missing}"


def test_every_path_the_map_names_exists() -> None:
    named = set(re.findall(r"`((?:\.\./)?[\w.]+/[\w./-]*)`", MAP.read_text()))
    absent = sorted(p for p in named if not (ROOT / p).exists())
    assert not absent, f"docs/architecture.md names paths that do not exist: {absent}"
