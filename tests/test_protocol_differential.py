"""The bridge's event validator (C++, cpp/bridge/src/event_validation.cpp) and the Python
schema (engine_bridge/protocol/messages.py: parse_events) give one verdict on every push, and every
event the bridge accepts reaches the scripts, whole: random and mutated batches (seeded),
with each rule of docs/protocol.md ("What is rejected") as an explicit case, pushed through
a real runtime (libaicore over ctypes, the way an engine calls it)."""

from __future__ import annotations

import ctypes
import math
import random
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from native_runtime import config_with_scripts, create_runtime

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi
from engine_bridge.protocol.messages import (
    MAX_DEPTH,
    MAX_EVENTS_PER_PUSH,
    MAX_PUSH_BYTES,
    MAX_STRING_BYTES,
    parse_events,
)

OK, BAD_MESSAGE, INCOMPLETE = 0, 5, 10

# Says, for every event the scripts get, a fingerprint of it: ascii() of the decoded event
# when it fits in a say's text, else its length and ends.
RECORDER = """
def fingerprint(event):
    text = ascii(event)
    return text if len(text) <= 60000 else f"{len(text)}:{text[:2000]}:{text[-2000:]}"


def on_frame(runtime, dt, events):
    for event in events:
        runtime.emit({"type": "say", "npc": 0, "text": fingerprint(event)})
"""


def fingerprint(event: dict[str, Any]) -> str:
    text = ascii(event)
    return text if len(text) <= 60000 else f"{len(text)}:{text[:2000]}:{text[-2000:]}"


class Bridge:
    """A real runtime whose one script says a fingerprint of every event it gets."""

    def __init__(self, script_dir: Path) -> None:
        (script_dir / "recorder.py").write_text(RECORDER)
        self.lib = abi.load()
        # Fingerprinting a thousand events is no runaway: budgets no busy machine reaches.
        config = config_with_scripts(
            self.lib, script_dir, handler_budget_ms=60_000.0, frame_budget_ms=60_000.0
        )
        self.rt = create_runtime(self.lib, config)

    def push(self, data: bytes) -> int:
        buffer = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(data or b"\0")
        return int(self.lib.aicore_push_events(self.rt, buffer, len(data)))

    def last_error(self) -> str:
        return bytes(self.lib.aicore_runtime_last_error(self.rt)).decode()

    def metrics(self) -> abi.Metrics:
        m = abi.Metrics(struct_size=ctypes.sizeof(abi.Metrics))
        assert self.lib.aicore_metrics_get(self.rt, ctypes.byref(m)) == OK
        return m

    def tick_and_hear(self) -> list[str]:
        """Tick until no event waits (a tick may carry some over), then what was said."""
        for _ in range(1000):
            result = self.lib.aicore_tick(self.rt, FRAME_SECONDS)
            assert result in (OK, INCOMPLETE), self.last_error()
            if result == OK and self.metrics().pending_events == 0:
                break
        written = ctypes.c_size_t()
        assert self.lib.aicore_drain_commands(self.rt, None, 0, ctypes.byref(written)) in (OK, 6)
        buffer = (ctypes.c_uint8 * written.value)()
        assert (
            self.lib.aicore_drain_commands(self.rt, buffer, written.value, ctypes.byref(written))
            == OK
        )
        commands = msgpack.unpackb(bytes(buffer[: written.value]), raw=False)
        return [c["text"] for c in commands if c["type"] == "say"]

    def close(self) -> None:
        self.lib.aicore_runtime_destroy(self.rt)


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    b = Bridge(tmp_path_factory.mktemp("recorder"))
    yield b
    b.close()


# -- what is pushed ---------------------------------------------------------------------


def _str(s: bytes) -> bytes:
    """A msgpack string with these bytes, UTF-8 or not (msgpack-c packs either)."""
    n = len(s)
    if n < 32:
        return bytes([0xA0 | n]) + s
    if n < 256:
        return b"\xd9" + bytes([n]) + s
    if n < 65536:
        return b"\xda" + n.to_bytes(2, "big") + s
    return b"\xdb" + n.to_bytes(4, "big") + s


def _map(pairs: list[tuple[bytes, bytes]]) -> bytes:
    assert len(pairs) < 16
    return bytes([0x80 | len(pairs)]) + b"".join(k + v for k, v in pairs)


def _custom_with_data(data: bytes) -> bytes:
    """{"v": 1, "type": "custom", "name": "x", "data": <data as packed>}."""
    pack = msgpack.packb
    return _map(
        [
            (pack("v"), pack(1)),
            (pack("type"), pack("custom")),
            (pack("name"), pack("x")),
            (pack("data"), data),
        ]
    )


def _event(**fields: Any) -> dict[str, Any]:
    return {"v": 1, **fields}


def _nested(depth: int) -> Any:
    """``depth`` levels of lists (a "data" of depth d is level d + 1 of the event)."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


_pack = msgpack.packb
NAN32 = b"\xca" + struct.pack(">f", math.nan)

# Each rule of docs/protocol.md, as the bytes of one push, and whether it is accepted.
EXPLICIT: list[tuple[str, bytes, bool]] = [
    ("valid player_seen", _pack(_event(type="player_seen", npc=3)), True),
    ("invalid UTF-8 in data", _custom_with_data(_map([(_pack("k"), _str(b"\xff\xfe"))])), False),
    ("invalid UTF-8 key in data", _custom_with_data(_map([(_str(b"\xc3"), _pack(1))])), False),
    ("a surrogate in data", _custom_with_data(_str(b"\xed\xa0\x80")), False),
    ("an overlong form in data", _custom_with_data(_str(b"\xc0\xaf")), False),
    ("past U+10FFFF in data", _custom_with_data(_str(b"\xf4\x90\x80\x80")), False),
    ("valid 4-byte UTF-8 in data", _custom_with_data(_str("\U0001f987".encode())), True),
    (
        "invalid UTF-8 in the name",
        _map(
            [
                (_pack("v"), _pack(1)),
                (_pack("type"), _pack("custom")),
                (_pack("name"), _str(b"bell\xff")),
            ]
        ),
        False,
    ),
    (
        "invalid UTF-8 in the type",
        _map([(_pack("v"), _pack(1)), (_pack("type"), _str(b"\xff")), (_pack("npc"), _pack(1))]),
        False,
    ),
    (
        "invalid UTF-8 in a field name",
        _map(
            [
                (_pack("v"), _pack(1)),
                (_pack("type"), _pack("player_seen")),
                (_str(b"np\xff"), _pack(1)),
            ]
        ),
        False,
    ),
    ("a timestamp of a bad length", _custom_with_data(b"\xd5\xff\x00\x01"), False),
    ("a valid timestamp", _custom_with_data(b"\xd6\xff\x00\x00\x00\x01"), False),
    ("an extension", _custom_with_data(b"\xd4\x05\x01"), False),
    ("an ext8 extension", _custom_with_data(b"\xc7\x01\x05\x01"), False),
    ("a map as a map key", _custom_with_data(_map([(_map([]), _pack(1))])), False),
    ("an array as a map key", _custom_with_data(_map([(_pack([1]), _pack(1))])), False),
    ("an integer map key", _custom_with_data(_map([(_pack(1), _pack(1))])), False),
    ("nil as a map key", _custom_with_data(_map([(_pack(None), _pack(1))])), False),
    (
        "a map as a field name",
        _map([(_pack("v"), _pack(1)), (_pack("type"), _pack("player_seen")), (_map([]), _pack(1))]),
        False,
    ),
    ("a repeated key in data", _custom_with_data(_map([(_pack("a"), _pack(1))] * 2)), False),
    (
        "a repeated field",
        _map(
            [(_pack("v"), _pack(1)), (_pack("type"), _pack("player_seen"))]
            + [(_pack("npc"), _pack(1))] * 2
        ),
        False,
    ),
    ("binary in data", _pack(_event(type="custom", name="x", data=b"\x00\xff")), True),
    (
        "data as deep as allowed",
        _pack(_event(type="custom", name="x", data=_nested(MAX_DEPTH - 1))),
        True,
    ),
    (
        "data one level too deep",
        _pack(_event(type="custom", name="x", data=_nested(MAX_DEPTH))),
        False,
    ),
    ("data 2000 levels deep", _custom_with_data(b"\x91" * 2000 + b"\x00"), False),
    ("the longest string", _pack(_event(type="custom", name="x" * MAX_STRING_BYTES)), True),
    (
        "a string one byte too long",
        _pack(_event(type="custom", name="x" * (MAX_STRING_BYTES + 1))),
        False,
    ),
    (
        "a long string in data",
        _pack(_event(type="custom", name="x", data={"s": "é" * 40000})),
        False,
    ),
    ("NaN amount", _pack(_event(type="damaged", npc=1, amount=math.nan)), False),
    (
        "infinite loudness",
        _pack(_event(type="heard_noise", npc=1, at=[0, 0, 0], loudness=math.inf)),
        False,
    ),
    (
        "-inf in a position",
        _pack(_event(type="heard_noise", npc=1, at=[0, -math.inf, 0], loudness=0)),
        False,
    ),
    ("NaN in data", _pack(_event(type="custom", name="x", data={"a": [1, math.nan]})), False),
    (
        "float32 NaN amount",
        _map(
            [
                (_pack("v"), _pack(1)),
                (_pack("type"), _pack("damaged")),
                (_pack("npc"), _pack(1)),
                (_pack("amount"), NAN32),
            ]
        ),
        False,
    ),
    ("amount above 1", _pack(_event(type="damaged", npc=1, amount=1.5)), False),
    ("amount below 0", _pack(_event(type="damaged", npc=1, amount=-0.1)), False),
    ("amount 1 (an integer)", _pack(_event(type="damaged", npc=1, amount=1)), True),
    ("amount -0.0", _pack(_event(type="damaged", npc=1, amount=-0.0)), True),
    ("loudness above 1", _pack(_event(type="heard_noise", npc=1, at=[0, 0, 0], loudness=2)), False),
    ("npc 2^32", _pack(_event(type="player_seen", npc=2**32)), False),
    ("npc 2^32 - 1", _pack(_event(type="player_seen", npc=2**32 - 1)), True),
    ("npc 2^64 - 1", _pack(_event(type="player_seen", npc=2**64 - 1)), False),
    ("npc -1", _pack(_event(type="player_seen", npc=-1)), False),
    (
        "npc as an int8",
        _map(
            [
                (_pack("v"), _pack(1)),
                (_pack("type"), _pack("player_seen")),
                (_pack("npc"), b"\xd0\x05"),
            ]
        ),
        True,
    ),
    ("v as a float", _pack({"v": 1.0, "type": "player_seen", "npc": 1}), False),
    ("v as a boolean", _pack({"v": True, "type": "player_seen", "npc": 1}), False),
    ("an extra field", _pack(_event(type="player_seen", npc=1, extra=0)), False),
    ("a missing field", _pack(_event(type="damaged", npc=1)), False),
    ("no type", _pack({"v": 1, "npc": 1}), False),
    ("not a map", _pack(3), False),
    ("the reserved byte", b"\xc1", False),
    ("empty", b"", False),
    ("cut short", _pack(_event(type="player_seen", npc=3))[:-1], False),
    ("trailing bytes", _pack(_event(type="player_seen", npc=3)) + b"\x00", False),
    ("an empty batch", _pack([]), True),
    (
        "a mixed batch",
        _pack([_event(type="player_seen", npc=1), _event(type="damaged", npc=1, amount=9)]),
        False,
    ),
    (
        "the most events per push",
        _pack([_event(type="player_seen", npc=1)] * MAX_EVENTS_PER_PUSH),
        True,
    ),
    (
        "one event too many",
        _pack([_event(type="player_seen", npc=1)] * (MAX_EVENTS_PER_PUSH + 1)),
        False,
    ),
    (
        "a push over the size limit",
        _pack([_event(type="custom", name="x" * 60000)] * (MAX_PUSH_BYTES // 60000 + 1)),
        False,
    ),
]


_SCALARS: list[Callable[[random.Random], Any]] = [
    lambda rng: None,
    lambda rng: rng.random() < 0.5,
    lambda rng: rng.choice([0, 1, -1, 127, 128, -33, 2**31, 2**32, 2**63 - 1, -(2**63), 2**64 - 1]),
    lambda rng: rng.choice([0.0, 0.5, -2.5, 1e300, math.nan, math.inf, -math.inf, 1e-300]),
    lambda rng: "".join(rng.choice("ab \u00e9\U0001f987\x00") for _ in range(rng.randrange(6))),
    lambda rng: bytes(rng.randrange(256) for _ in range(rng.randrange(4))),
    lambda rng: rng.choice(["player", "x" * 70000]) if rng.random() < 0.05 else "s",
]


def _random_value(rng: random.Random, depth: int) -> Any:
    choice = rng.randrange(len(_SCALARS) + (3 if depth < 6 else 0))
    if choice < len(_SCALARS):
        return _SCALARS[choice](rng)
    if choice < len(_SCALARS) + 2:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["a", "b", "c", "\u00e9", ""]): _random_value(rng, depth + 1)
        for _ in range(rng.randrange(4))
    }


def _random_event(rng: random.Random) -> Any:
    """Mostly valid events, each field sometimes replaced by anything."""
    kind = rng.choice(["player_seen", "damaged", "heard_noise", "custom", "custom"])
    slot = rng.choice([0, 1, 7, 1023]) if rng.random() < 0.9 else _random_value(rng, 1)
    unit = rng.choice([0, 1, 0.25, 0.999]) if rng.random() < 0.9 else _random_value(rng, 1)
    fields: dict[str, Any] = {
        "player_seen": {"npc": slot},
        "damaged": {"npc": slot, "amount": unit},
        "heard_noise": {"npc": slot, "at": [rng.uniform(-9, 9), 0.5, 0], "loudness": unit},
        "custom": {"name": rng.choice(["bell", "é"]), "npc": slot, "data": _random_value(rng, 1)},
    }[kind]
    if kind == "custom" and rng.random() < 0.3:
        del fields["npc"]
    if rng.random() < 0.1:
        fields[rng.choice(["npc", "amount", "at", "loudness", "name", "data", "extra"])] = (
            _random_value(rng, 1)
        )
    if rng.random() < 0.05 and fields:
        del fields[rng.choice(list(fields))]
    event = {"v": 1 if rng.random() < 0.97 else rng.choice([2, 1.0, "1", None]), "type": kind}
    event.update(fields)
    if rng.random() < 0.02:
        del event["type"]
    return event


def _mutate(rng: random.Random, data: bytes) -> bytes:
    """The bytes of a packed event, damaged: a byte changed, inserted or removed; or a
    string made invalid UTF-8, or a value replaced with an extension."""
    data = bytearray(data)
    if not data:
        return bytes(data)
    at = rng.randrange(len(data))
    how = rng.randrange(7)
    if how >= 5:  # a string's bytes, same length: the framing stays whole
        for word, bad in ((b"bell", b"b\xc3ll"), (b"type", b"t\xedpe"), (b"data", b"d\xffta")):
            if word in data:
                return bytes(data).replace(word, bad, 1)
        how = 0
    if how == 0:
        data[at] = rng.randrange(256)
    elif how == 1:
        data.insert(at, rng.choice([0xFF, 0xC1, 0xC0, 0xD4, 0x91, 0x81, 0xA1]))
    elif how == 2:
        del data[at]
    elif how == 3:
        data[at] = rng.choice([0x80, 0xC3, 0xED, 0xF5, 0xFF])  # UTF-8 that cannot be
    else:
        data[at : at + 1] = rng.choice([b"\xd4\x05\x00", b"\xd5\xff\x00\x01", b"\x81\x90\x00"])
    return bytes(data)


def _batch(rng: random.Random) -> bytes:
    events = [_random_event(rng) for _ in range(rng.randrange(1, 6))]
    packed = [msgpack.packb(e, use_bin_type=True) for e in events]
    if rng.random() < 0.5:
        i = rng.randrange(len(packed))
        packed[i] = _mutate(rng, packed[i])
    body = b"".join(packed)
    return (bytes([0x90 | len(packed)]) + body) if rng.random() < 0.8 else packed[0]


# -- the verdicts -------------------------------------------------------------------------


def _check_push(bridge: Bridge, data: bytes, expected: list[str], name: str) -> None:
    """Push ``data``: the bridge's verdict must be the Python schema's, event by event;
    the fingerprints of the events Python keeps are appended to ``expected``."""
    python = parse_events(data)
    before = bridge.metrics()
    result = bridge.push(data)
    after = bridge.metrics()
    accepted = after.events_in - before.events_in
    rejected = after.rejected_messages - before.rejected_messages
    assert (accepted, rejected) == (len(python.events), len(python.rejected)), (
        f"{name}: the bridge accepted {accepted} and rejected {rejected} "
        f"({bridge.last_error() if result else 'no error'}); Python: {python}"
    )[:3000]
    if python.rejected:
        assert result == BAD_MESSAGE, name
        assert bridge.last_error(), name
    else:
        assert result == OK, (name, bridge.last_error())
    expected.extend(fingerprint(e) for e in python.events)


@pytest.mark.parametrize(("name", "data", "accepted"), EXPLICIT, ids=[c[0] for c in EXPLICIT])
def test_each_rule_has_one_verdict_in_both_languages(
    bridge: Bridge, name: str, data: bytes, accepted: bool
) -> None:
    python = parse_events(data)
    assert (not python.rejected) == accepted, python.rejected
    expected: list[str] = []
    _check_push(bridge, data, expected, name)
    assert bridge.tick_and_hear() == expected
    assert bridge.metrics().dropped_events == 0


def test_random_and_mutated_batches_get_one_verdict_and_every_accepted_event_arrives(
    bridge: Bridge,
) -> None:
    rng = random.Random(20240611)
    for round_ in range(20):
        expected: list[str] = []
        for i in range(250):
            data = _batch(rng)
            _check_push(bridge, data, expected, f"round {round_} push {i}: {data[:200]!r}")
        # Everything the bridge accepted reaches the scripts, whole and in order.
        assert bridge.tick_and_hear() == expected
        assert bridge.metrics().dropped_events == 0


def test_a_batch_keeps_its_valid_events(bridge: Bridge) -> None:
    good = [_event(type="player_seen", npc=4), _event(type="damaged", npc=4, amount=0.5)]
    bad = [
        _custom_with_data(_str(b"\xff")),
        _custom_with_data(b"\xd5\xff\x00\x01"),
        _custom_with_data(_map([(_map([]), _pack(1))])),
    ]
    packed = [_pack(good[0]), *bad, _pack(good[1])]
    data = bytes([0x90 | len(packed)]) + b"".join(packed)
    assert bridge.push(data) == BAD_MESSAGE
    assert bridge.last_error().startswith("event 1: custom: field 'data' holds a string")
    assert bridge.tick_and_hear() == [fingerprint(e) for e in good]
    assert bridge.metrics().dropped_events == 0
