"""Writing content and script files into a test's own folders."""

from __future__ import annotations

from pathlib import Path


def write(root: Path, relative: str, text: str) -> Path:
    """``text`` at ``root / relative`` (folders made as needed); the path written."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_scripts(folder: Path, **sources: str) -> Path:
    """A scripts folder holding ``name.py`` for each ``name=source``; the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    return folder
