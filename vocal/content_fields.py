"""Reading a content file's TOML fields, with one error value for what is wrong in it.

Every content loader — voice lines (``vocal.voice_lines``), story, dialogue and lore
(``engine_bridge.content``) — reads its file through :class:`ContentFile` and checks each
table through :class:`Fields`' typed readers (a required field, an unknown one, a
non-empty string, a lower_snake_case name, a list of names, an integer in a range, a
positive number, a sub-table). A bad field raises a :class:`ContentError` that carries
the file, the field, the ``id`` of the ``[[table]]`` it is in and the line it is on
(found in the file's text by :class:`~vocal.toml_layout.TomlLayout`, not in a message).

This lives in ``vocal`` because the voice-line manifest is read here and ``vocal`` never
imports ``engine_bridge``; ``engine_bridge.content.layers`` re-exports
:class:`ContentError` for the content room.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vocal.toml_layout import KeyPath, TomlLayout

__all__ = ["ID_PATTERN", "ContentError", "ContentFile", "Fields", "toml_error_line"]

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
"""lower_snake_case: ids, NPC kinds, flag names, topics."""

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
        """The line in the file: the field's, or the table's when the field is missing;
        ``None`` when no line is at fault (a missing top-level field, the file's name)."""
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


def toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    """The line a TOML syntax error is on: the exception's ``lineno`` where Python has it;
    on 3.11-3.13 the one place it is kept, the end of tomllib's own message."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    at = _TOML_AT.search(str(exc))
    return int(at.group(1)) if at else None


class ContentFile:
    """One content file's parsed TOML and where each of its keys is written."""

    def __init__(self, path: Path, document: dict[str, Any], layout: TomlLayout) -> None:
        self.path = path
        self.document = document
        self.layout = layout

    @classmethod
    def parse(cls, path: Path, data: bytes) -> ContentFile:
        """Parse ``data``, the bytes of ``path``.

        Raises:
            ContentError: the bytes are not UTF-8 or not valid TOML (with the line tomllib
                names for a syntax error).
        """
        try:
            text = data.decode("utf-8")
            document = tomllib.loads(text)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            line = toml_error_line(exc) if isinstance(exc, tomllib.TOMLDecodeError) else None
            raise ContentError(path, f"not valid UTF-8 TOML: {exc}", line=line) from exc
        return cls(path, document, TomlLayout(text))

    def top(self) -> Fields:
        """The document's top-level fields."""
        return Fields(self, self.document, (), label="", table_id=None)

    def tables(self, name: str, *, article: str = "a") -> list[Fields]:
        """The ``[[name]]`` tables, each labelled ``"<name> <n> ('<id>')"`` for messages.

        Raises:
            ContentError: ``name`` is not one or more tables.
        """
        value = self.document.get(name)
        if not isinstance(value, list) or not value:
            raise self.top().error(name, f"field {name!r} must be one or more [[{name}]] tables")
        tables = []
        for index, table in enumerate(value):
            label = f"{name} {index + 1}"
            table_id = table.get("id") if isinstance(table, dict) else None
            if not isinstance(table_id, str):
                table_id = None
            else:
                label += f" ({table_id!r})"
            fields = Fields(self, table, (name, index), label=label, table_id=table_id)
            if not isinstance(table, dict):
                raise fields.error(None, f"must be {article} [[{name}]] table", field=name)
            tables.append(fields)
        return tables


class _Missing:
    """No default: the field is required."""


_REQUIRED = _Missing()


class Fields:
    """One table of a content file, read field by field with the type each must have.

    Every reader raises :class:`ContentError` naming the file, the field (dotted from the
    table: ``"trigger.count"``), the table's id and the field's line; its reason starts
    with the table's label (``"beat 2 ('dig'): field 'quest' ..."``).
    """

    def __init__(
        self,
        file: ContentFile,
        table: Any,
        path: KeyPath,
        *,
        label: str,
        table_id: str | None,
        prefix: tuple[str, ...] = (),
    ) -> None:
        self.file = file
        self.table = table
        """The table's parsed value (a dict, once :meth:`ContentFile.tables` checked it)."""
        self.path = path
        self.label = label
        self.table_id = table_id
        self._prefix = prefix

    # -- errors ------------------------------------------------------------------------

    def field_name(self, name: str) -> str:
        """``name`` as the error names it: dotted from the table (``"memory.n"``)."""
        return ".".join((*self._prefix, name))

    def error(self, name: str | None, reason: str, *, field: str | None = None) -> ContentError:
        """A :class:`ContentError` about the field ``name`` of this table (``None``: the
        table itself), at its line; ``field`` overrides the field the error names."""
        where = self.path if name is None else (*self.path, name)
        named = field if field is not None else None if name is None else self.field_name(name)
        return ContentError(
            self.file.path,
            f"{self.label}: {reason}" if self.label else reason,
            field=named,
            line=self.file.layout.line_of(where),
            table_id=self.table_id,
        )

    def invalid(self, name: str, what: str, value: Any) -> ContentError:
        """``field 'name' must be <what>, got <value>``."""
        return self.error(name, f"field {self.field_name(name)!r} must be {what}, got {value!r}")

    # -- the table's keys --------------------------------------------------------------

    def __contains__(self, name: str) -> bool:
        return name in self.table

    def get(self, name: str, default: Any = None) -> Any:
        """The raw value of ``name``, unchecked."""
        return self.table.get(name, default)

    def require(self, *names: str) -> None:
        """Each of ``names`` must be present."""
        for name in names:
            if name not in self.table:
                raise self.error(name, f"field {self.field_name(name)!r} is missing")

    def allow_only(self, allowed: Iterable[str], *, listed: bool = False) -> None:
        """No key outside ``allowed`` (``listed``: the message lists the allowed ones)."""
        allowed = frozenset(allowed)
        extra = sorted(set(self.table) - allowed)
        if extra:
            where = "top-level field" if not self.label and not self._prefix else "field"
            reason = f"unknown {where} {self.field_name(extra[0])!r}"
            if listed:
                reason += f" (fields and conditions: {', '.join(sorted(allowed))})"
            raise self.error(extra[0], reason)

    # -- typed readers -----------------------------------------------------------------

    def text(
        self,
        name: str,
        *,
        default: Any = _REQUIRED,
        max_chars: int | None = None,
        what: str | None = None,
    ) -> str:
        """A non-empty string (not all whitespace), at most ``max_chars`` long."""
        value = self._value(name, default)
        too_long = max_chars is not None and isinstance(value, str) and len(value) > max_chars
        if not isinstance(value, str) or not value.strip() or too_long:
            limit = f" of at most {max_chars} characters" if max_chars else ""
            raise self.invalid(name, what or f"a non-empty string{limit}", value)
        return value

    def identifier(self, name: str, *, default: Any = _REQUIRED, what: str | None = None) -> str:
        """A lower_snake_case name."""
        value = self._value(name, default)
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise self.invalid(name, what or "lower_snake_case", value)
        return value

    def names(
        self,
        name: str,
        *,
        default: Any = _REQUIRED,
        snake_case: bool = True,
        non_empty: bool = False,
        unique: bool = False,
        what: str | None = None,
    ) -> list[str]:
        """A list of strings: lower_snake_case names unless ``snake_case`` is false;
        ``non_empty``: at least one; ``unique``: none repeated."""
        value = self._value(name, default)
        pattern = ID_PATTERN if snake_case else None
        if not isinstance(value, list) or not all(
            isinstance(item, str) and (pattern is None or pattern.fullmatch(item)) for item in value
        ):
            kind = "lower_snake_case names" if snake_case else "names"
            raise self.invalid(name, what or f"a list of {kind}", value)
        if non_empty and not value:
            raise self.invalid(name, what or "a list of at least one name", value)
        if unique and len(set(value)) != len(value):
            raise self.error(name, f"field {self.field_name(name)!r} repeats a name")
        return value

    def integer(
        self,
        name: str,
        *,
        low: int | None = None,
        high: int | None = None,
        default: Any = _REQUIRED,
    ) -> int:
        """An integer (not a bool) from ``low`` to ``high`` (inclusive, either optional)."""
        value = self._value(name, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            raise self.invalid(name, _integer_range(low, high), value)
        return value

    def positive_number(self, name: str, *, default: Any = _REQUIRED) -> float:
        """An int or float above 0 (not a bool)."""
        value = self._value(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise self.invalid(name, "a positive number", value)
        return float(value)

    def table_of(self, name: str, *, default: Any = _REQUIRED, what: str) -> Fields:
        """The sub-table ``name`` (inline or ``[a.b]``), read with the same readers."""
        value = self._value(name, default)
        if not isinstance(value, dict):
            raise self.error(name, f"field {self.field_name(name)!r} must be {what}")
        return Fields(
            self.file,
            value,
            (*self.path, name),
            label=self.label,
            table_id=self.table_id,
            prefix=(*self._prefix, name),
        )

    def items(self) -> Iterable[tuple[str, Any]]:
        """The table's keys and raw values, in file order."""
        return self.table.items()

    def _value(self, name: str, default: Any) -> Any:
        if name in self.table:
            return self.table[name]
        if isinstance(default, _Missing):
            raise self.error(name, f"field {self.field_name(name)!r} is missing")
        return default


def _integer_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"an integer from {low} to {high}"
    if low == 1:
        return "a positive integer"
    if low is not None:
        return f"an integer of at least {low}"
    if high is not None:
        return f"an integer of at most {high}"
    return "an integer"
