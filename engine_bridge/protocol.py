"""The msgpack messages between engine and runtime (docs/protocol.md): validate, encode,
decode. The C++ bridge validates events before they reach Python
(cpp/bridge/src/event_validation.cpp); this module is the Python side's single definition
of the same rules (commands it builds, tools, tests), and a differential test
(tests/test_protocol_differential.py) holds the two to the same verdict on every event.

Two readers of the wire:

* :func:`parse_events` is the strict one, the twin of ``aicore_push_events``: the push
  limits, one complete msgpack value, and per event a strict decode (:func:`parse_event`:
  UTF-8, no extension, string map keys, no repeated key) then :func:`validate`.
* :func:`decode` is the fast one the runtime uses every frame on events the bridge
  already validated; :func:`decode_each` is its fallback, one event at a time, when a
  batch does not decode as a whole.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgpack

__all__ = [
    "COMMAND_FIELDS",
    "EVENT_FIELDS",
    "MAX_DEPTH",
    "MAX_EVENTS_PER_PUSH",
    "MAX_PUSH_BYTES",
    "MAX_STRING_BYTES",
    "VERSION",
    "MessageError",
    "ParsedEvents",
    "decode",
    "decode_each",
    "encode",
    "parse_event",
    "parse_events",
    "validate",
]

VERSION = 1

# The limits of docs/protocol.md ("Limits"); kMax* in event_validation.h.
MAX_PUSH_BYTES = 1 << 20  # one aicore_push_events call
MAX_EVENTS_PER_PUSH = 4096  # elements of a pushed array
MAX_DEPTH = 32  # levels of maps and arrays, the event map being level 1
MAX_STRING_BYTES = 65535  # one string (UTF-8 bytes) or binary value
_MAX_FIELDS = 5  # v, type and the most fields any event type has (custom)
_SLOT_MAX = 2**32 - 1

# field -> kind: "uint" (0..2^32-1), "number" (finite), "unit" (a number in 0..1),
# "string", "position" ([x, y, z] finite numbers), "target" ("player" or a uint), "any"
# (nil, booleans, integers, finite floats, strings, binary, arrays and maps with string
# keys, MAX_DEPTH deep at most); "?" = optional
EVENT_FIELDS: dict[str, dict[str, str]] = {
    "player_seen": {"npc": "uint"},
    "damaged": {"npc": "uint", "amount": "unit"},
    "heard_noise": {"npc": "uint", "at": "position", "loudness": "unit"},
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


def _describe(value: Any) -> str:
    """The value's msgpack kind, in the words of the C++ validator's reasons."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    if isinstance(value, msgpack.ExtType):
        return f"a msgpack extension (ext type {value.code})"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, msgpack.Timestamp):
        return "a msgpack extension (ext type -1)"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_problem(value: Any) -> str | None:
    if _is_int(value):
        return None
    if not isinstance(value, float):
        return f"must be a number, got {_describe(value)}"
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    return None


def _string_problem(value: str, what: str) -> str | None:
    # len(value) <= UTF-8 bytes <= 4 * len(value): encode only when it could be too long.
    if len(value) * 4 > MAX_STRING_BYTES and len(value.encode()) > MAX_STRING_BYTES:
        return f"{what} of {len(value.encode())} bytes, over the limit of {MAX_STRING_BYTES}"
    return None


def _any_problem(value: Any, depth: int, path: str) -> tuple[str, str] | None:
    """What makes ``value`` (a field of kind "any"; a map or array at level ``depth`` if it
    is one, at ``path``) unfit for the wire, and where it is; None if nothing does."""
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (f"a number that is not finite ({value!r})", path)
    if isinstance(value, str):
        why = _string_problem(value, "a string")
        return None if why is None else (why, path)
    if isinstance(value, bytes | bytearray):
        if len(value) > MAX_STRING_BYTES:
            return f"binary data of {len(value)} bytes, over the limit of {MAX_STRING_BYTES}", path
        return None
    if isinstance(value, msgpack.ExtType | msgpack.Timestamp):
        return f"{_describe(value)}: extensions are not accepted", path
    if isinstance(value, list | tuple | dict) and depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels of maps and arrays", path
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if (found := _any_problem(item, depth + 1, f"{path}[{i}]")) is not None:
                return found
        return None
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return f"a map key that is not a string ({_describe(key)})", path
            if (why := _string_problem(key, "a map key")) is not None:
                return why, path
        for key, item in value.items():
            if (found := _any_problem(item, depth + 1, f"{path}.{key[:64]}")) is not None:
                return found
        return None
    return f"{_describe(value)}, which msgpack cannot carry", path


def _field_problem(kind: str, name: str, value: Any) -> str | None:
    """Why ``value`` does not fit ``kind`` (the reason after "field 'name' "), or None."""
    if kind == "uint":
        if not _is_int(value):
            return f"must be an unsigned integer, got {_describe(value)}"
        if value < 0:
            return f"must be an unsigned integer, got {value}"
        if value > _SLOT_MAX:
            return f"is out of range: {value} (an NPC slot is 0..{_SLOT_MAX})"
        return None
    if kind == "number":
        return _number_problem(value)
    if kind == "unit":
        if (why := _number_problem(value)) is not None:
            return why
        return None if 0 <= value <= 1 else f"must be within 0..1, got {value!r}"
    if kind == "string":
        if not isinstance(value, str):
            return f"must be a string, got {_describe(value)}"
        return _string_problem(value, "holds a string")
    if kind == "position":
        if not isinstance(value, list | tuple) or isinstance(value, msgpack.ExtType):
            return f"must be an [x, y, z] array of numbers, got {_describe(value)}"
        if len(value) != 3:
            return f"must be an [x, y, z] array of numbers, got an array of {len(value)}"
        for i, v in enumerate(value):
            if (why := _number_problem(v)) is not None:
                return f"[{i}] {why}"
        return None
    if kind == "target":
        if value == "player" and isinstance(value, str):
            return None
        if (why := _field_problem("uint", name, value)) is not None:
            return f"{why} (or 'player')" if why.startswith("must") else why
        return None
    found = _any_problem(value, 2, name)  # any
    if found is None:
        return None
    what, where = found
    return f"holds {what}" + (f" at {where}" if where != name else "")


def validate(message: Any, schema: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Return ``message`` if it follows ``schema`` (EVENT_FIELDS or COMMAND_FIELDS), else
    raise :class:`MessageError` with the reason (the same rules as the C++ validator)."""
    if not isinstance(message, dict):
        raise MessageError(f"expected a map, got {_describe(message)}")
    for key in message:
        if not isinstance(key, str):
            raise MessageError(f"field names must be strings, got {_describe(key)}")
        if (why := _string_problem(key, "a field name")) is not None:
            raise MessageError(why)
    if "v" not in message:
        raise MessageError(
            "missing field 'v' (unsupported or missing version: this runtime speaks v=1)"
        )
    version = message["v"]
    if not _is_int(version) or version != VERSION:
        got = version if _is_int(version) else _describe(version)
        raise MessageError(f"unsupported or missing version v={got} (this runtime speaks v=1)")
    if "type" not in message:
        raise MessageError("missing field 'type'")
    kind = message["type"]
    if not isinstance(kind, str):
        raise MessageError(f"field 'type' must be a string, got {_describe(kind)}")
    if kind not in schema:
        raise MessageError(f"unknown type {kind[:64]!r} (known: {', '.join(schema)})")
    fields = schema[kind]
    for key in message:
        if key not in fields and key not in ("v", "type"):
            raise MessageError(f"{kind}: unknown field {key[:64]!r}")
    for name, spec in fields.items():
        if name not in message:
            if spec.endswith("?"):
                continue
            raise MessageError(f"{kind}: missing field {name!r}")
        if (why := _field_problem(spec.rstrip("?"), name, message[name])) is not None:
            raise MessageError(f"{kind}: field {name!r} {why}")
    return message


def encode(messages: Iterable[dict[str, Any]]) -> bytes:
    """One msgpack array of maps."""
    return msgpack.packb(list(messages), use_bin_type=True)


def decode(data: bytes) -> list[Any]:
    """A msgpack map or array of maps, as a list (not validated)."""
    value = msgpack.unpackb(data, raw=False, strict_map_key=False)
    return value if isinstance(value, list) else [value]


def decode_each(data: bytes) -> list[Any]:
    """:func:`decode`, one element at a time: a list with, for each element of the batch,
    its value or a :class:`MessageError` saying why it did not decode. Elements after one
    that is not even well-formed msgpack cannot be found: they are one error each."""
    unpacker = msgpack.Unpacker(max_buffer_size=max(len(data), 1))
    unpacker.feed(data)
    try:
        count = unpacker.read_array_header()
    except Exception:  # not an array: one event, the one that did not decode
        try:
            return [msgpack.unpackb(data, raw=False, strict_map_key=False)]
        except Exception as exc:
            return [MessageError(f"does not decode: {type(exc).__name__}: {exc}")]
    out: list[Any] = []
    for i in range(count):
        start = unpacker.tell()
        try:
            unpacker.skip()
        except Exception as exc:
            why = MessageError(f"not valid msgpack from byte {start}: {type(exc).__name__}")
            out.extend([why] * (count - i))
            break
        try:
            out.append(
                msgpack.unpackb(data[start : unpacker.tell()], raw=False, strict_map_key=False)
            )
        except Exception as exc:
            out.append(MessageError(f"does not decode: {type(exc).__name__}: {exc}"))
    return out


def _strict_map(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    for key, _ in pairs:
        if not isinstance(key, str):
            raise MessageError(f"a map key that is not a string ({_describe(key)})")
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twin = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise MessageError(f"a repeated map key {twin[:64]!r}")
    return out


def parse_event(data: bytes) -> dict[str, Any]:
    """One event as the bridge reads it: a strict decode (every string UTF-8, no msgpack
    extension, map keys strings and distinct, no deeper than msgpack can read) then
    :func:`validate` against EVENT_FIELDS. Raises :class:`MessageError` with the reason."""
    try:
        value = msgpack.unpackb(
            data, raw=False, strict_map_key=False, object_pairs_hook=_strict_map
        )
    except MessageError:
        raise
    except UnicodeDecodeError as exc:
        raise MessageError(f"a string that is not valid UTF-8 ({exc.reason})") from None
    except msgpack.StackError:
        raise MessageError(f"nested deeper than {MAX_DEPTH} levels of maps and arrays") from None
    except Exception as exc:  # a timestamp extension of a bad length, truncated data, ...
        raise MessageError(f"does not decode: {type(exc).__name__}: {exc}") from None
    if isinstance(value, dict) and len(value) > _MAX_FIELDS:
        raise MessageError(f"{len(value)} fields, more than any event type has ({_MAX_FIELDS})")
    return validate(value, EVENT_FIELDS)


@dataclass
class ParsedEvents:
    """What :func:`parse_events` made of a push: the events kept, and each rejection's
    reason ("event 3: ..." or, for a push refused as a whole, one "push refused: ...")."""

    events: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _skip(data: bytes, pos: int) -> int:
    """The end of the msgpack value at ``pos``; ValueError if it is not complete. Iterative
    (like the bridge's): nesting costs no stack."""
    pending = 1
    size = len(data)
    while pending:
        if pos >= size:
            raise ValueError("cut short")
        b = data[pos]
        pending -= 1
        if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
            pos += 1
        elif 0x80 <= b <= 0x8F:
            pending += 2 * (b & 0x0F)
            pos += 1
        elif 0x90 <= b <= 0x9F:
            pending += b & 0x0F
            pos += 1
        elif 0xA0 <= b <= 0xBF:
            pos += 1 + (b & 0x1F)
        elif b in _SIZED:
            width, header = _SIZED[b]
            if pos + header > size:
                raise ValueError("cut short")
            length = int.from_bytes(data[pos + 1 : pos + 1 + width], "big")
            pos += header + length
        elif b in _FIXED:
            pos += _FIXED[b]
        elif b in _CONTAINERS:
            width, pairs = _CONTAINERS[b]
            if pos + 1 + width > size:
                raise ValueError("cut short")
            pending += pairs * int.from_bytes(data[pos + 1 : pos + 1 + width], "big")
            pos += 1 + width
        else:
            raise ValueError("the reserved byte 0xc1")
    if pos > size:
        raise ValueError("cut short")
    return pos


# first byte -> (bytes of the length, header bytes before the payload)
_SIZED = {
    0xC4: (1, 2),
    0xC5: (2, 3),
    0xC6: (4, 5),
    0xC7: (1, 3),
    0xC8: (2, 4),
    0xC9: (4, 6),
    0xD9: (1, 2),
    0xDA: (2, 3),
    0xDB: (4, 5),
}
# first byte -> whole size: floats, integers, fixext
_FIXED = {
    0xCA: 5,
    0xCB: 9,
    0xCC: 2,
    0xCD: 3,
    0xCE: 5,
    0xCF: 9,
    0xD0: 2,
    0xD1: 3,
    0xD2: 5,
    0xD3: 9,
    0xD4: 3,
    0xD5: 4,
    0xD6: 6,
    0xD7: 10,
    0xD8: 18,
}
# first byte -> (bytes of the count, items per count)
_CONTAINERS = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}


def parse_events(data: bytes) -> ParsedEvents:
    """A push as ``aicore_push_events`` reads it (docs/protocol.md, "What is rejected"):
    refused as a whole if it is over a limit or not one complete msgpack value, else each
    event kept or rejected on its own by :func:`parse_event`."""
    out = ParsedEvents()
    if len(data) > MAX_PUSH_BYTES:
        out.rejected.append(
            f"push refused: {len(data)} bytes, over the limit of {MAX_PUSH_BYTES} bytes per push"
        )
        return out
    try:
        end = _skip(data, 0)
    except ValueError as exc:
        out.rejected.append(f"push refused: not valid msgpack ({exc})")
        return out
    if end != len(data):
        out.rejected.append("push refused: trailing bytes after the message")
        return out
    first = data[0]
    if 0x90 <= first <= 0x9F or first in (0xDC, 0xDD):
        width = 0 if first <= 0x9F else 2 if first == 0xDC else 4
        count = first & 0x0F if width == 0 else int.from_bytes(data[1 : 1 + width], "big")
        if count > MAX_EVENTS_PER_PUSH:
            out.rejected.append(
                f"push refused: {count} events, over the limit of {MAX_EVENTS_PER_PUSH} per push"
            )
            return out
        pos = 1 + width
        spans = []
        for _ in range(count):
            end = _skip(data, pos)
            spans.append(data[pos:end])
            pos = end
    else:
        spans = [data]
    for index, span in enumerate(spans):
        try:
            out.events.append(parse_event(span))
        except MessageError as exc:
            out.rejected.append(f"event {index}: {exc}")
    return out
