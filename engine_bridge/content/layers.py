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

import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["ContentError", "has_folder", "layered_files", "normalize_roots", "toml_error_line"]

# Python 3.11's tomllib puts the position only in its message (3.14 adds ``lineno``).
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)$")


class ContentError(ValueError):
    """One content file's problem, as a value: which file, where in it, and why.

    ``str()`` reads ``"<file>: <reason>"``; nothing needs to parse it, the fields are here.
    """

    def __init__(
        self,
        file: Path,
        reason: str,
        *,
        field: str | None = None,
        line: int | None = None,
        table_id: str | None = None,
    ) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = Path(file)
        """The content file at fault."""
        self.reason = reason
        """What is wrong, without the file name (it names the table and field in words)."""
        self.field = field
        """The field at fault (``"text"``, ``"memory.times_met"``, ``"known_by"``), or
        ``None`` when the file as a whole is (not valid TOML, outside its root)."""
        self.line = line
        """The line in the file, when the loader knows it."""
        self.table_id = table_id
        """The ``id`` of the ``[[table]]`` (dialogue line, lore entry, story beat or quest)
        the field belongs to, when the problem is inside one."""

    def as_dict(self) -> dict[str, str | int | None]:
        """The error as plain data (for a JSON report or a log record)."""
        return {
            "file": str(self.file),
            "line": self.line,
            "field": self.field,
            "table_id": self.table_id,
            "reason": self.reason,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContentError) and self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash((str(self.file), self.line, self.field, self.table_id, self.reason))


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


def toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line a TOML syntax error is on: the exception's ``lineno`` where Python has it;
    on 3.11-3.13 the one place it is kept, the end of tomllib's own message."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    at = _TOML_AT.search(str(exc))
    return int(at.group(1)) if at else None
