"""docs/architecture.md stays true: every module of engine_bridge is placed in exactly one
room of its table, every path the page names exists, and the rooms import only what the
page's "who may call whom" allows (read from the modules' own import statements)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "engine_bridge"

# A room's folder under engine_bridge/, or the top-level modules (the designers' surface).
SURFACE = "designers' surface"
ROOMS = (
    "core",
    "scripting",
    "protocol",
    "content",
    "native",
    "store",
    "sync",
    "models",
    "tooling",
)

# Which rooms each room may import. The frame (core, scripting, content, protocol) never
# imports tooling, so a shipped game can leave tooling out; content never reaches back
# into the frame; protocol stands alone (the build runs its schema module).
MAY_IMPORT: dict[str, set[str]] = {
    "core": {
        "core",
        "scripting",
        "content",
        "protocol",
        "native",
        "store",
        "sync",
        "models",
        SURFACE,
    },
    "scripting": {"scripting", "core", "content", "protocol", SURFACE},
    "content": {"content", "protocol"},
    "protocol": {"protocol"},
    "native": {"native", "core", "store", "tooling"},
    "store": {"store", "scripting", "protocol"},
    "sync": {"sync", "store", "protocol"},
    "models": {"models", "core", "content", "protocol"},
    "tooling": {*ROOMS, SURFACE},
    SURFACE: {"core", "scripting", "content", "protocol", SURFACE},
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _room_of_path(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] in ROOMS else SURFACE


def _room_of_module(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "engine_bridge":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else SURFACE


def _rooms() -> dict[str, list[str]]:
    rooms: dict[str, list[str]] = {}
    for line in MAP.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in (*ROOMS, SURFACE):
            rooms[cells[0]] = re.findall(r"`(engine_bridge/[^`]+\.py)`", cells[2])
    return rooms


def test_every_module_is_in_exactly_one_room_and_the_room_is_its_folder() -> None:
    rooms = _rooms()
    placed = [module for modules in rooms.values() for module in modules]
    duplicates = sorted({m for m in placed if placed.count(m) > 1})
    assert not duplicates, f"placed twice in docs/architecture.md: {duplicates}"
    modules = [p.relative_to(ROOT).as_posix() for p in _modules()]
    missing = sorted(set(modules) - set(placed))
    assert not missing, f"modules docs/architecture.md does not place: {missing}"
    for room, listed in rooms.items():
        for module in listed:
            assert _room_of_path(ROOT / module) == room, f"{module} is listed under {room}"


def test_every_path_the_map_names_exists() -> None:
    # Paths inside the repository only: ../shared/ is the workspace's, not the clone's.
    named = set(re.findall(r"`([\w][\w.]*/[\w./-]*)`", MAP.read_text()))
    absent = sorted(p for p in named if not (ROOT / p).exists())
    assert not absent, f"docs/architecture.md names paths that do not exist: {absent}"


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # ``from engine_bridge import api`` names a module, not only a package
            if node.module == "engine_bridge":
                found.extend((node.lineno, f"engine_bridge.{a.name}") for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_rooms_import_only_what_the_map_allows() -> None:
    broken = []
    for path in _modules():
        room = _room_of_path(path)
        for line, module in _imports(path):
            target = _room_of_module(module)
            if target is not None and target not in MAY_IMPORT[room]:
                where = f"{path.relative_to(ROOT)}:{line}"
                broken.append(f"{where}: {room} imports {module} ({target})")
    assert not broken, "imports the architecture forbids:\n" + "\n".join(broken)


def test_the_rule_is_checked_against_a_module_that_breaks_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from engine_bridge.tooling.cli import main\nimport engine_bridge.core.runtime\n"
    )
    targets = [_room_of_module(m) for _, m in _imports(bad)]
    assert targets == ["tooling", "core"]
    assert "tooling" not in MAY_IMPORT["content"]
    assert "core" not in MAY_IMPORT["content"]
