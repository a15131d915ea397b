"""Several content roots layered into one game, and the error a content file reports.

A project adds its own content *over* the shipped content without copying the tree: the
runtime, ``aicore host``, ``aicore-host``, ``aicore check`` and the sandbox take a list of
content roots, the shipped one first. The rule, the same for every content system:

* Files are matched by their path relative to their root (``dialogue/ghoul.toml``,
  ``lore/broker.toml``, ``story/aethelred.toml``, ``dialogue/locale/fr/ghoul.toml``). A
  file in a later root **replaces** the file of the same relative path in an earlier root.
* Files with different relative paths are **merged**: every ``dialogue/*.toml``,
  ``lore/*.toml`` and ``story/*.toml`` of every root is loaded.
* The voice-line manifest (``voice_lines/lines.toml``) is merged **by line id**: a line of
  a later root's manifest replaces the line with the same id, other lines are added.
* Ids stay unique across what is loaded (line ids, lore entry ids, story beats and flags):
  a file that repeats an id of a file loaded before it is not loaded, and says so.

A content file that fails to load disables only itself: the loaders return a
:class:`ContentError` for it (file, line, field, reason) and keep the rest of their system
running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

# One error type for every content file, the voice-line manifest's too: it is defined
# beside the field readers in vocal (which never imports engine_bridge) and named here.
from vocal.content_fields import ContentError, toml_error_line

__all__ = ["ContentError", "has_folder", "layered_files", "normalize_roots", "toml_error_line"]


def normalize_roots(roots: str | Path | Iterable[str | Path]) -> tuple[Path, ...]:
    """One root or several, as resolved paths in layering order (later ones win)."""
    if isinstance(roots, str | Path):
        roots = [roots]
    return tuple(Path(root).resolve() for root in roots)


def layered_files(
    roots: Sequence[Path], folder: Path | str, pattern: str = "*.toml"
) -> dict[str, tuple[Path, Path]]:
    """The files matching ``pattern`` in ``<root>/<folder>`` over every root, by name.

    Returns ``{name: (root, path)}`` in name order; for a name found in several roots the
    last root's file is the one kept (it replaces the others).
    """
    found: dict[str, tuple[Path, Path]] = {}
    for root in roots:
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob(pattern)):
            if path.is_file():
                found[path.name] = (root, path)
    return dict(sorted(found.items()))


def has_folder(roots: Sequence[Path], folder: Path | str) -> bool:
    """Whether any of ``roots`` has ``folder``."""
    return any((root / folder).is_dir() for root in roots)
