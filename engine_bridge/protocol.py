"""The msgpack messages between engine and runtime (docs/protocol.md): validate, encode,
decode. The C++ bridge validates events before they reach Python; this module is the
Python side's single definition of the same schema (commands it builds, tools, tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgpack

__all__ = [
    "COMMAND_FIELDS",
    "EVENT_FIELDS",
    "VERSION",
    "MessageError",
    "decode",
    "encode",
    "validate",
]

VERSION = 1

# field -> kind: "uint", "number", "string", "position", "target", "any"; "?" = optional
EVENT_FIELDS: dict[str, dict[str, str]] = {
    "player_seen": {"npc": "uint"},
    "damaged": {"npc": "uint", "amount": "number"},
    "heard_noise": {"npc": "uint", "at": "position", "loudness": "number"},
    "custom": {"name": "string", "npc": "uint?", "data": "any?"},
}
COMMAND_FIELDS: dict[str, dict[str, str]] = {
    "move_to": {"npc": "uint", "target": "position", "speed": "number"},
    "flee": {"npc": "uint", "from": "position", "speed": "number"},
    "attack": {"npc": "uint", "target": "target"},
    "say": {"npc": "uint", "text": "string", "line": "string?"},
    "emote": {"npc": "uint", "emote": "string"},
    "despawn": {"npc": "uint"},
}


class MessageError(ValueError):
    """A message that does not follow the schema; the text says what is wrong."""


def _check(kind: str, value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "uint":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "number":
        return number
    if kind == "string":
        return isinstance(value, str)
    if kind == "position":
        return (
            isinstance(value, list | tuple)
            and len(value) == 3
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        )
    if kind == "target":
        return value == "player" or _check("uint", value)
    return True  # any


def validate(message: Any, schema: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Return ``message`` if it follows ``schema`` (EVENT_FIELDS or COMMAND_FIELDS)."""
    if not isinstance(message, dict):
        raise MessageError(f"expected a map, got {type(message).__name__}")
    if message.get("v") != VERSION:
        raise MessageError(f"unsupported version v={message.get('v')!r} (this runtime speaks 1)")
    kind = message.get("type")
    if kind not in schema:
        raise MessageError(f"unknown type {kind!r} (known: {', '.join(schema)})")
    fields = schema[kind]
    for name, spec in fields.items():
        optional = spec.endswith("?")
        if name not in message:
            if optional:
                continue
            raise MessageError(f"{kind}: missing field {name!r}")
        if not _check(spec.rstrip("?"), message[name]):
            raise MessageError(
                f"{kind}: field {name!r} must be a {spec.rstrip('?')}, got {message[name]!r}"
            )
    extra = set(message) - set(fields) - {"v", "type"}
    if extra:
        raise MessageError(f"{kind}: unknown field(s) {', '.join(sorted(extra))}")
    return message


def encode(messages: Iterable[dict[str, Any]]) -> bytes:
    """One msgpack array of maps."""
    return msgpack.packb(list(messages), use_bin_type=True)


def decode(data: bytes) -> list[Any]:
    """A msgpack map or array of maps, as a list (not validated)."""
    value = msgpack.unpackb(data, raw=False, strict_map_key=False)
    return value if isinstance(value, list) else [value]
