"""What the repository ships: its content folder, and the NPC kinds its scripts
(``npc_scripts/``) define, read from their source."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"


def shipped_kinds() -> frozenset[str]:
    """The kinds the shipped scripts define: the game's kinds come from its scripts."""
    kinds = set()
    for path in (REPO / "npc_scripts").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
                "kind"
            ]:
                kinds.add(ast.literal_eval(node.value))
    return frozenset(kinds)
