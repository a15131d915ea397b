"""Where each table and key of a TOML document is written: the line of a ``[[beat]]``
header, of the ``trigger =`` inside the third one, of ``graves_dug =`` under ``[flags]``.

``tomllib`` gives values without positions, so a content loader that finds a bad field
asks this map for the field's line. The map is built from the text's structure (headers,
keys, and the extent of each value: strings, arrays and inline tables spanning lines),
never from an error message. The text is assumed to be valid TOML: build the map only
after ``tomllib`` has parsed the same text.

A key path names a place the way the document nests it: ``("beat", 2, "trigger")`` is
the ``trigger`` of the third ``[[beat]]`` (array entries by their index from 0),
``("flags", "graves_dug")`` is ``graves_dug`` in ``[flags]`` (or in ``flags = {...}``: an
inline table's keys are found at the line of the key that holds it).
"""

from __future__ import annotations

__all__ = ["KeyPath", "TomlLayout"]

KeyPath = tuple[str | int, ...]
"""Keys from the document's root; an ``int`` is an entry of an array of tables."""

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ESCAPES = {'\\"': '"', "\\\\": "\\"}


class TomlLayout:
    """The line (from 1) of every table header and key of one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._entries: dict[KeyPath, int] = {}  # array of tables -> entries seen so far
        self._text = text
        self._scan()

    def line_of(self, path: KeyPath) -> int | None:
        """The line that sets ``path``; for a key that is not written (a missing field),
        the line of the nearest table that holds it: an array entry by its ``id =`` line
        when it has one (the table is found by its id), else by its header. ``None`` when
        nothing on the way is written (a missing top-level key)."""
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            if end < len(path) and isinstance(prefix[-1], int):
                id_line = self._lines.get((*prefix, "id"))
                if id_line is not None:
                    return id_line
            line = self._lines.get(prefix)
            if line is not None:
                return line
        return None

    # -- the scan ----------------------------------------------------------------------

    def _scan(self) -> None:
        text = self._text
        pos, line = 0, 1
        table: KeyPath = ()
        while pos < len(text):
            char = text[pos]
            if char == "\n":
                pos, line = pos + 1, line + 1
                continue
            if char in " \t\r":
                pos += 1
                continue
            if char == "#":
                pos = self._end_of_line(pos)
                continue
            if text.startswith("[[", pos):
                keys, pos = self._key(pos + 2)
                pos = text.index("]]", pos) + 2
                table = self._open_entry(keys, line)
            elif char == "[":
                keys, pos = self._key(pos + 1)
                pos = text.index("]", pos) + 1
                table = self._resolve(keys)
                self._lines.setdefault(table, line)
            else:
                keys, pos = self._key(pos)
                pos = text.index("=", pos) + 1
                for end in range(1, len(keys) + 1):  # a.b = 1 writes a, then a.b
                    self._lines.setdefault((*table, *keys[:end]), line)
                pos, line = self._skip_value(pos, line)
            pos = self._end_of_line(pos)

    def _end_of_line(self, pos: int) -> int:
        end = self._text.find("\n", pos)
        return len(self._text) if end == -1 else end

    def _key(self, pos: int) -> tuple[list[str], int]:
        """A dotted key starting at ``pos`` (spaces allowed around the dots)."""
        text = self._text
        keys: list[str] = []
        while True:
            while text[pos] in " \t":
                pos += 1
            if text[pos] == '"':
                end = pos + 1
                while text[end] != '"':
                    end += 2 if text[end] == "\\" else 1
                raw = text[pos + 1 : end]
                for escaped, plain in _ESCAPES.items():
                    raw = raw.replace(escaped, plain)
                keys.append(raw)
                pos = end + 1
            elif text[pos] == "'":
                end = text.index("'", pos + 1)
                keys.append(text[pos + 1 : end])
                pos = end + 1
            else:
                end = pos
                while end < len(text) and text[end] in _BARE_KEY:
                    end += 1
                keys.append(text[pos:end])
                pos = end
            while text[pos] in " \t":
                pos += 1
            if text[pos] != ".":
                return keys, pos
            pos += 1

    def _resolve(self, keys: list[str]) -> KeyPath:
        """A header's keys as a path: a key naming an array of tables means its last
        entry so far (``[beat.trigger]`` after the third ``[[beat]]`` is beat 2's)."""
        path: list[str | int] = []
        for key in keys:
            path.append(key)
            count = self._entries.get(tuple(path))
            if count:
                path.append(count - 1)
        return tuple(path)

    def _open_entry(self, keys: list[str], line: int) -> KeyPath:
        array = (*self._resolve(keys[:-1]), keys[-1])
        count = self._entries.get(array, 0) + 1
        self._entries[array] = count
        self._lines.setdefault(array, line)
        entry = (*array, count - 1)
        self._lines[entry] = line
        return entry

    def _skip_value(self, pos: int, line: int) -> tuple[int, int]:
        """Past the value starting at ``pos``: to the end of its line, or across lines
        while a multi-line string, array or inline table is open. Returns the position
        and the line there."""
        text = self._text
        depth = 0
        while pos < len(text):
            char = text[pos]
            if char == "\n":
                if depth == 0:
                    return pos, line
                line += 1
                pos += 1
            elif char == "#":
                if depth == 0:
                    return pos, line
                pos = self._end_of_line(pos)
            elif char in "[{":
                depth += 1
                pos += 1
            elif char in "]}":
                depth -= 1
                pos += 1
            elif text.startswith('"""', pos) or text.startswith("'''", pos):
                pos, line = self._skip_multiline_string(pos, line)
            elif char == '"':
                pos += 1
                while text[pos] != '"':
                    pos += 2 if text[pos] == "\\" else 1
                pos += 1
            elif char == "'":
                pos = text.index("'", pos + 1) + 1
            else:
                pos += 1
        return pos, line

    def _skip_multiline_string(self, pos: int, line: int) -> tuple[int, int]:
        text = self._text
        quote = text[pos : pos + 3]
        pos += 3
        while not text.startswith(quote, pos):
            if text[pos] == "\\" and quote == '"""':
                if text[pos + 1] == "\n":
                    line += 1
                pos += 2
                continue
            if text[pos] == "\n":
                line += 1
            pos += 1
        pos += 3
        # Up to two quotes right before the closing three belong to the string.
        while pos < len(text) and text[pos] == quote[0]:
            pos += 1
        return pos, line
