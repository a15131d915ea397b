"""Writing content and script files into a test's own folders."""

from __future__ import annotations

from pathlib import Path


def write(root: Path, relative: str, text: str) -> Path:
    """``text`` at ``root / relative`` (folders made as needed); the path written."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
