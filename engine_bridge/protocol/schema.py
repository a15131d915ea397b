"""The protocol schema (engine_bridge/protocol/schema.toml), read and checked.

Standard library only: the build runs this (tools/generate_protocol_header.py) before the
package's dependencies may be installed, so it must not import msgpack or the runtime.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "SCHEMA_PATH", "Field", "Limits", "Message", "Schema", "load"]

SCHEMA_PATH = Path(__file__).with_name("schema.toml")

# Every field kind the validators know; a schema naming another is refused on load rather
# than let one side guess what it means.
KINDS = ("uint", "number", "unit", "string", "position", "target", "any")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # one of KINDS
    optional: bool = False
    note: str = ""  # what the docs' table says after the kind


@dataclass(frozen=True)
class Message:
    type: str
    meaning: str
    fields: tuple[Field, ...]
    durable: bool = False  # journalled to the store's outbox, bound for the cloud


@dataclass(frozen=True)
class Limits:
    push_bytes: int
    events_per_push: int
    depth: int
    string_bytes: int


@dataclass(frozen=True)
class Schema:
    version: int
    limits: Limits
    uint_max: int
    unit_range: tuple[float, float]
    events: tuple[Message, ...]
    commands: tuple[Message, ...]

    @property
    def max_event_fields(self) -> int:
        """Fields the largest event map has: v, type and its own fields."""
        return 2 + max(len(m.fields) for m in self.events)


class SchemaError(ValueError):
    """The schema file itself is malformed."""


def _messages(table: dict[str, Any], where: str) -> tuple[Message, ...]:
    out = []
    for type_name, body in table.items():
        unknown_keys = set(body) - {"meaning", "fields", "durable"}
        if unknown_keys:
            raise SchemaError(f"{where}.{type_name}: unknown keys {sorted(unknown_keys)}")
        if not isinstance(body.get("durable", False), bool):
            raise SchemaError(f"{where}.{type_name}.durable: must be true or false")
        fields = []
        for raw in body["fields"]:
            unknown = set(raw) - {"name", "kind", "optional", "note"}
            if unknown:
                raise SchemaError(f"{where}.{type_name}: unknown keys {sorted(unknown)}")
            if raw["kind"] not in KINDS:
                raise SchemaError(f"{where}.{type_name}.{raw['name']}: kind {raw['kind']!r}")
            if raw["name"] in ("v", "type"):
                raise SchemaError(f"{where}.{type_name}: 'v' and 'type' are every message's")
            fields.append(
                Field(raw["name"], raw["kind"], raw.get("optional", False), raw.get("note", ""))
            )
        if len({f.name for f in fields}) != len(fields):
            raise SchemaError(f"{where}.{type_name}: a field is listed twice")
        out.append(Message(type_name, body["meaning"], tuple(fields), body.get("durable", False)))
    return tuple(out)


def load(path: Path = SCHEMA_PATH) -> Schema:
    """The schema in ``path``; :class:`SchemaError` if it is not one."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    limits = raw["limits"]
    uint, unit = raw["kinds"]["uint"], raw["kinds"]["unit"]
    return Schema(
        version=raw["version"],
        limits=Limits(
            push_bytes=limits["push_bytes"],
            events_per_push=limits["events_per_push"],
            depth=limits["depth"],
            string_bytes=limits["string_bytes"],
        ),
        uint_max=int(uint["max"]),
        unit_range=(float(unit["min"]), float(unit["max"])),
        events=_messages(raw["events"], "events"),
        commands=_messages(raw["commands"], "commands"),
    )
