"""Finding the line of a field in a content file from where it is, structurally: the
``[[table]]`` with a given ``id`` and the key inside it, a dotted field path
(``drive.drive_db``, ``npc[2].path``) in TOML or JSON, or ``key = "value"``. Never from
an error's message."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["field_line", "key_line", "path_line", "table_field_line"]


def field_line(file: Path, field: str | None, table_id: str | None = None) -> int | None:
    """The line of ``field`` in ``file``, found from the file's structure: inside the TOML
    ``[[table]]`` whose ``id`` is ``table_id`` when given (the table's ``id`` line when the
    field is not in it: a missing field); else along a dotted path (``drive.drive_db``,
    ``npc[1].archetype``) in TOML or JSON; else the one line that sets that key. None
    when the file does not say (no field, a missing field, a key set on several lines)."""
    if field is None:
        return None
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if table_id is not None:
        return table_field_line(lines, table_id, [field.split(".")[0]])
    if "." in field or "[" in field:
        found = path_line(lines, field, json=file.suffix == ".json")
        if found is not None:
            return found
    key = field.split(".")[-1]
    hits = [i for i, text in enumerate(lines) if _is_key(text, key)]
    return hits[0] + 1 if len(hits) == 1 else None


def _is_key(text: str, key: str) -> bool:
    pattern = rf'^\s*{re.escape(key)}\s*=|"{re.escape(key)}"\s*:'
    return re.search(pattern, text) is not None


def table_field_line(lines: list[str], table_id: str, keys: list[str]) -> int | None:
    """The line of the first of ``keys`` set inside the TOML table whose ``id`` is
    ``table_id``; that table's ``id`` line when none is; None without such a table."""
    pattern = re.compile(rf"\s*id\s*=\s*[\"']{re.escape(table_id)}[\"']")
    id_line = next((i for i, text in enumerate(lines) if pattern.match(text)), None)
    if id_line is None:
        return None
    start = next((i for i in range(id_line, -1, -1) if lines[i].lstrip().startswith("[")), 0)
    end = next(
        (i for i in range(id_line + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )
    for key in keys:
        hits = [i for i in range(start, end) if re.match(rf"\s*{re.escape(key)}\s*=", lines[i])]
        if len(hits) == 1:
            return hits[0] + 1
    return id_line + 1


def path_line(lines: list[str], dotted: str, *, json: bool) -> int | None:
    """The line of ``a.b[2].c``: each key searched from where the previous one was found;
    ``[n]`` skips to the n-th (from 0) occurrence of the next key (or TOML table)."""
    position, skip = 0, 0
    for key, index in re.findall(r"([A-Za-z_]\w*)(?:\[(\d+)\])?", dotted):
        if json:
            pattern = rf'"{re.escape(key)}"\s*:'
        elif index:
            pattern = rf"^\s*\[\[{re.escape(key)}\]\]"
        else:
            pattern = rf"^\s*{re.escape(key)}\s*="
        hits = [i for i in range(position, len(lines)) if re.search(pattern, lines[i])]
        target = int(index) if index and not json else skip
        if len(hits) <= target:
            return None
        position = hits[target]
        skip = int(index) if index and json else 0
    return position + 1


def key_line(path: Path, key: str, value: str) -> int | None:
    """The line of ``key = "value"`` in a TOML file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=\s*[\"']{re.escape(value)}[\"']")
    return next((i + 1 for i, text in enumerate(lines) if pattern.match(text)), None)
