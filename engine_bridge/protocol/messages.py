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

from engine_bridge.protocol import schema as protocol_schema

__all__ = [
    "COMMAND_FIELDS",
    "DURABLE_COMMANDS",
    "DURABLE_EVENTS",
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

# Everything below comes from the one schema, engine_bridge/protocol/schema.toml, which the
# C++ bridge and host are generated from too (tests/test_protocol_schema.py holds them to it).
_SCHEMA = protocol_schema.load()

VERSION = _SCHEMA.version

# The limits of docs/protocol.md ("Limits").
MAX_PUSH_BYTES = _SCHEMA.limits.push_bytes  # one aicore_push_events call
MAX_EVENTS_PER_PUSH = _SCHEMA.limits.events_per_push  # elements of a pushed array
MAX_DEPTH = _SCHEMA.limits.depth  # levels of maps and arrays, the event map being level 1
MAX_STRING_BYTES = _SCHEMA.limits.string_bytes  # one string (UTF-8 bytes) or binary value
_MAX_FIELDS = _SCHEMA.max_event_fields  # v, type and the most fields any event type has
_SLOT_MAX = _SCHEMA.uint_max
_UNIT_MIN, _UNIT_MAX = _SCHEMA.unit_range


def _fields(messages: Iterable[protocol_schema.Message]) -> dict[str, dict[str, str]]:
    return {
        m.type: {f.name: f.kind + ("?" if f.optional else "") for f in m.fields} for m in messages
    }


# field -> kind: "uint" (0..2^32-1), "number" (finite), "unit" (a number in 0..1),
# "string", "position" ([x, y, z] finite numbers), "target" ("player" or a uint), "any"
# (nil, booleans, integers, finite floats, strings, binary, arrays and maps with string
# keys, MAX_DEPTH deep at most); "?" = optional
EVENT_FIELDS: dict[str, dict[str, str]] = _fields(_SCHEMA.events)
COMMAND_FIELDS: dict[str, dict[str, str]] = _fields(_SCHEMA.commands)
# The message types journalled to the store's outbox (schema.toml's durable = true).
DURABLE_EVENTS: frozenset[str] = frozenset(m.type for m in _SCHEMA.events if m.durable)
DURABLE_COMMANDS: frozenset[str] = frozenset(m.type for m in _SCHEMA.commands if m.durable)


class MessageError(ValueError):
    """A message that does not follow the schema; the text says what is wrong."""


# The msgpack kinds, in the words of the C++ validator's reasons (first match wins: an
# ExtType is a tuple, a bool an int).
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (type(None), "nil"),
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a float"),
    (str, "a string"),
    ((bytes, bytearray), "binary data"),
    (msgpack.Timestamp, "a msgpack extension (ext type -1)"),
    ((list, tuple), "an array"),
    (dict, "a map"),
)


def _describe(value: Any) -> str:
    """The value's msgpack kind, as the reasons name it."""
    if isinstance(value, msgpack.ExtType):
        return f"a msgpack extension (ext type {value.code})"
    return next((name for t, name in _KINDS if isinstance(value, t)), type(value).__name__)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_problem(value: Any) -> str | None:
    if _is_int(value):
        return None
    if not isinstance(value, float):
        return f"must be a number, got {_describe(value)}"
    return None if math.isfinite(value) else f"must be a finite number, got {value!r}"


def _string_problem(value: str, what: str) -> str | None:
    # len(value) <= UTF-8 bytes <= 4 * len(value): encode only when it could be too long.
    if len(value) * 4 > MAX_STRING_BYTES and len(value.encode()) > MAX_STRING_BYTES:
        return f"{what} of {len(value.encode())} bytes, over the limit of {MAX_STRING_BYTES}"
    return None


def _scalar_problem(value: Any) -> str | None:
    """What makes a value that is not a map or an array unfit for the wire, or None."""
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"a number that is not finite ({value!r})"
    if isinstance(value, str):
        return _string_problem(value, "a string")
    if isinstance(value, bytes | bytearray):
        if len(value) <= MAX_STRING_BYTES:
            return None
        return f"binary data of {len(value)} bytes, over the limit of {MAX_STRING_BYTES}"
    ext = isinstance(value, msgpack.ExtType | msgpack.Timestamp)
    return f"{_describe(value)}: " + ("extensions are not accepted" if ext else "not msgpack")


def _any_problem(value: Any, depth: int, path: str) -> tuple[str, str] | None:
    """What makes ``value`` (a field of kind "any"; a map or array at level ``depth`` if it
    is one, at ``path``) unfit for the wire, and where it is; None if nothing does."""
    if isinstance(value, msgpack.ExtType) or not isinstance(value, list | tuple | dict):
        why = _scalar_problem(value)
        return None if why is None else (why, path)
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels of maps and arrays", path
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return f"a map key that is not a string ({_describe(key)})", path
            if (why := _string_problem(key, "a map key")) is not None:
                return why, path
        items = ((f"{path}.{key[:64]}", item) for key, item in value.items())
    else:
        items = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    return next(
        (found for where, item in items if (found := _any_problem(item, depth + 1, where))),
        None,
    )


def _uint_problem(value: Any) -> str | None:
    if not _is_int(value):
        return f"must be an unsigned integer, got {_describe(value)}"
    if value < 0:
        return f"must be an unsigned integer, got {value}"
    return (
        None if value <= _SLOT_MAX else f"is out of range: {value} (an NPC slot is 0..{_SLOT_MAX})"
    )


def _unit_problem(value: Any) -> str | None:
    if (why := _number_problem(value)) is not None:
        return why
    if _UNIT_MIN <= value <= _UNIT_MAX:
        return None
    return f"must be within {_UNIT_MIN:g}..{_UNIT_MAX:g}, got {value!r}"


def _text_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {_describe(value)}"
    return _string_problem(value, "holds a string")


def _position_problem(value: Any) -> str | None:
    if not isinstance(value, list | tuple) or isinstance(value, msgpack.ExtType):
        return f"must be an [x, y, z] array of numbers, got {_describe(value)}"
    if len(value) != 3:
        return f"must be an [x, y, z] array of numbers, got an array of {len(value)}"
    return next((f"[{i}] {why}" for i, v in enumerate(value) if (why := _number_problem(v))), None)


def _target_problem(value: Any) -> str | None:
    if isinstance(value, str) and value == "player":
        return None
    why = _uint_problem(value)
    return f"{why} (or 'player')" if why is not None and why.startswith("must") else why


_FIELD_KINDS = {
    "uint": _uint_problem,
    "number": _number_problem,
    "unit": _unit_problem,
    "string": _text_problem,
    "position": _position_problem,
    "target": _target_problem,
}


def _field_problem(kind: str, name: str, value: Any) -> str | None:
    """Why ``value`` does not fit ``kind`` (the reason after "field 'name' "), or None."""
    check = _FIELD_KINDS.get(kind)
    if check is not None:
        return check(value)
    found = _any_problem(value, 2, name)  # any
    if found is None:
        return None
    what, where = found
    return f"holds {what}" + (f" at {where}" if where != name else "")


def _message_type(message: Any, schema: dict[str, dict[str, str]]) -> str:
    """The type of ``message`` (a map with string field names, of version VERSION)."""
    if not isinstance(message, dict):
        raise MessageError(f"expected a map, got {_describe(message)}")
    for key in message:
        if not isinstance(key, str):
            raise MessageError(f"field names must be strings, got {_describe(key)}")
        if (why := _string_problem(key, "a field name")) is not None:
            raise MessageError(why)
    if "v" not in message:
        raise MessageError(
            f"missing field 'v' (unsupported or missing version: this runtime speaks v={VERSION})"
        )
    version = message["v"]
    if not _is_int(version) or version != VERSION:
        got = version if _is_int(version) else _describe(version)
        raise MessageError(
            f"unsupported or missing version v={got} (this runtime speaks v={VERSION})"
        )
    if "type" not in message:
        raise MessageError("missing field 'type'")
    kind = message["type"]
    if not isinstance(kind, str):
        raise MessageError(f"field 'type' must be a string, got {_describe(kind)}")
    if kind not in schema:
        raise MessageError(f"unknown type {kind[:64]!r} (known: {', '.join(schema)})")
    return kind


def validate(message: Any, schema: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Return ``message`` if it follows ``schema`` (EVENT_FIELDS or COMMAND_FIELDS), else
    raise :class:`MessageError` with the reason (the same rules as the C++ validator)."""
    kind = _message_type(message, schema)
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


def _heads() -> list[tuple[int, int, int, int] | None]:
    """For each first byte of a msgpack item: (header bytes, bytes of the length or count
    after the first byte, items per count (0: not a map or array), the payload bytes or the
    items it holds without a length); None for the reserved 0xc1."""
    heads: list[tuple[int, int, int, int] | None] = [None] * 256
    for b in range(256):
        if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
            heads[b] = (1, 0, 0, 0)
        elif b <= 0x8F:
            heads[b] = (1, 0, 2, 2 * (b & 0x0F))  # fixmap
        elif b <= 0x9F:
            heads[b] = (1, 0, 1, b & 0x0F)  # fixarray
        elif b <= 0xBF:
            heads[b] = (1, 0, 0, b & 0x1F)  # fixstr
    sized = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4}  # bin, str
    for b, width in sized.items():
        heads[b] = (1 + width, width, 0, 0)
    for b, width in {0xC7: 1, 0xC8: 2, 0xC9: 4}.items():  # ext: the length, then the type
        heads[b] = (2 + width, width, 0, 0)
    fixed = {0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}  # float, uint
    fixed |= {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}  # int
    fixed |= {0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}  # fixext: the type, the data
    for b, payload in fixed.items():
        heads[b] = (1, 0, 0, payload)
    for b, (width, per) in {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}.items():
        heads[b] = (1 + width, width, per, 0)
    return heads


_HEADS = _heads()


def _skip(data: bytes, pos: int) -> int:
    """The end of the msgpack value at ``pos``; ValueError if it is not complete. Iterative
    (like the bridge's): nesting costs no stack."""
    pending = 1
    size = len(data)
    while pending:
        head = _HEADS[data[pos]] if pos < size else None
        if head is None:
            raise ValueError("cut short" if pos >= size else "the reserved byte 0xc1")
        header, width, per, inline = head
        if pos + header > size:
            raise ValueError("cut short")
        n = int.from_bytes(data[pos + 1 : pos + 1 + width], "big") if width else 0
        pending -= 1
        if per:
            pending += inline + per * n
            pos += header
        else:
            pos += header + inline + n
    if pos > size:
        raise ValueError("cut short")
    return pos


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
