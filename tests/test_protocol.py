"""docs/protocol.md: every documented example round-trips, through the real bridge for
events; malformed messages are rejected with a reason and never crash (hypothesis)."""

from __future__ import annotations

import ctypes
import inspect
import json
import logging
import math
import re
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from native_runtime import create_runtime

from engine_bridge.api import Event, Npc
from engine_bridge.core.frame import FRAME_RATE, FRAME_SECONDS
from engine_bridge.native import abi
from engine_bridge.protocol.messages import COMMAND_FIELDS, EVENT_FIELDS, MessageError, validate
from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parent.parent
DOC = (REPO / "docs" / "protocol.md").read_text()


def _examples(section: str) -> list[dict[str, object]]:
    body = DOC.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", body, re.S)
    return [json.loads(line) for block in blocks for line in block.splitlines() if line.strip()]


EVENTS = _examples("Events (engine → runtime)")
COMMANDS = _examples("Commands (runtime → engine)")


@pytest.fixture(scope="module")
def bridge() -> Iterator[tuple[ctypes.CDLL, ctypes.c_void_p]]:
    lib = abi.load()
    rt = create_runtime(lib, abi.default_config(lib))
    yield lib, rt
    lib.aicore_runtime_destroy(rt)


def _push(bridge: tuple[ctypes.CDLL, ctypes.c_void_p], data: bytes) -> int:
    lib, rt = bridge
    buffer = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(data or b"\0")
    return lib.aicore_push_events(rt, buffer, len(data))


def test_the_doc_documents_every_type_with_an_example() -> None:
    assert {e["type"] for e in EVENTS} == set(EVENT_FIELDS)
    assert {c["type"] for c in COMMANDS} == set(COMMAND_FIELDS)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e["type"])
def test_documented_events_are_accepted_by_the_bridge(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p], event: dict[str, object]
) -> None:
    assert validate(event, EVENT_FIELDS) == event
    packed = msgpack.packb(event)
    assert msgpack.unpackb(packed) == event
    assert _push(bridge, packed) == 0


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c["type"])
def test_documented_commands_validate_and_round_trip(command: dict[str, object]) -> None:
    assert validate(command, COMMAND_FIELDS) == command
    assert msgpack.unpackb(msgpack.packb(command)) == command


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"v": 2, "type": "player_seen", "npc": 1}, "unsupported or missing version"),
        ({"v": 1, "type": "teleport", "npc": 1}, "unknown type 'teleport'"),
        ({"v": 1, "type": "damaged", "npc": 1}, "damaged: missing field 'amount'"),
        ({"v": 1, "type": "damaged", "npc": -1, "amount": 0.1}, "field 'npc' must be an unsigned"),
        ({"v": 1, "type": "heard_noise", "npc": 1, "at": [1, 2], "loudness": 1}, "'at' must be"),
        ({"v": 1, "type": "player_seen", "npc": 1, "extra": 0}, "unknown field 'extra'"),
        ({"v": 1, "type": "player_seen", "npc": 2**32}, "field 'npc' is out of range: 4294967296"),
        ({"v": 1, "type": "damaged", "npc": 1, "amount": 1.5}, "must be within 0..1, got 1.5"),
        (
            {"v": 1, "type": "damaged", "npc": 1, "amount": float("nan")},
            "field 'amount' must be a finite number, got nan",
        ),
        (
            {"v": 1, "type": "custom", "name": "x", "data": {"a": [0, float("inf")]}},
            "field 'data' holds a number that is not finite (inf) at data.a[1]",
        ),
    ],
)
def test_malformed_events_are_rejected_with_their_reason(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p], event: dict[str, object], reason: str
) -> None:
    lib, rt = bridge
    assert _push(bridge, msgpack.packb(event)) == 5  # AICORE_BAD_MESSAGE
    assert reason in lib.aicore_runtime_last_error(rt).decode()
    with pytest.raises(MessageError, match=re.escape(reason)):  # the same reason in Python
        validate(event, EVENT_FIELDS)


def test_a_batch_keeps_its_valid_events_and_counts_the_rejected(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p],
) -> None:
    lib, rt = bridge
    before = abi.Metrics(struct_size=ctypes.sizeof(abi.Metrics))
    lib.aicore_metrics_get(rt, ctypes.byref(before))
    batch = [EVENTS[0], {"v": 1, "type": "nope"}, EVENTS[1]]
    assert _push(bridge, msgpack.packb(batch)) == 5
    after = abi.Metrics(struct_size=ctypes.sizeof(abi.Metrics))
    lib.aicore_metrics_get(rt, ctypes.byref(after))
    assert after.events_in - before.events_in == 2
    assert after.rejected_messages - before.rejected_messages == 1


def test_python_validation_names_the_problem() -> None:
    with pytest.raises(MessageError, match="move_to: missing field 'speed'"):
        validate({"v": 1, "type": "move_to", "npc": 1, "target": [0, 0, 0]}, COMMAND_FIELDS)


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=64))
def test_random_bytes_never_crash_the_bridge(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p], data: bytes
) -> None:
    assert _push(bridge, data) in (0, 5)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    message=st.fixed_dictionaries(
        {"v": st.sampled_from([1, 1, 1, 2, "1"]), "type": st.sampled_from([*EVENT_FIELDS, "x"])},
        optional={
            "npc": _values,
            "amount": _values,
            "at": _values,
            "loudness": _values,
            "name": _values,
            "data": _values,
        },
    )
)
def test_near_miss_events_are_accepted_exactly_when_python_accepts_them(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p], message: dict[str, object]
) -> None:
    try:
        validate(message, EVENT_FIELDS)
        expected = 0
    except MessageError:
        expected = 5
    try:
        packed = msgpack.packb(message)
    except (OverflowError, ValueError):
        return
    assert _push(bridge, packed) == expected, message


# -- the runtime's side ---------------------------------------------------------------------


class Listener(Npc):
    kind = "listener"

    def on_event(self, event: Event) -> None:
        self.remember("seen", [*self.recall("seen", []), event.type])


def test_a_batch_that_does_not_decode_keeps_its_good_events(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The bridge never sends such a batch; if it did, one event must not cost the frame."""
    sandbox = Sandbox(Listener)
    slot = sandbox.spawn("listener")
    good = [
        msgpack.packb({"v": 1, "type": "player_seen", "npc": slot}),
        msgpack.packb({"v": 1, "type": "damaged", "npc": slot, "amount": 0.5}),
    ]
    not_utf8 = b"\x83\xa1v\x01\xa4type\xa6custom\xa4name\xa2\xff\xfe"
    bad_timestamp = b"\x84\xa1v\x01\xa4type\xa6custom\xa4name\xa1x\xa4data\xd5\xff\x00\x01"
    not_a_map = msgpack.packb(3)
    batch = b"\x95" + good[0] + not_utf8 + bad_timestamp + not_a_map + good[1]
    with caplog.at_level(logging.ERROR, logger="aicore"):
        sandbox.runtime.tick(FRAME_SECONDS, batch)
    assert sandbox.npc(slot).recall("seen") == ["player_seen", "damaged"]
    assert sandbox.runtime.dropped_events == 3
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert [m.split(":")[0] for m in dropped] == ["frame 0"] * 3
    assert "event 1 dropped: does not decode: UnicodeDecodeError" in dropped[0]
    assert "event 2 dropped: does not decode: ValueError" in dropped[1]
    assert "event 3 dropped: not a map" in dropped[2]
    # Cut short: what came before the cut is kept, each event after it counted.
    sandbox.runtime.tick(FRAME_SECONDS, b"\x93" + good[0] + good[1][:-1])
    assert sandbox.npc(slot).recall("seen") == ["player_seen", "damaged", "player_seen"]
    assert sandbox.runtime.dropped_events == 5
    sandbox.close()


class Fleer(Npc):
    kind = "fleer"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        self.flee_from(self.player_position)  # NaN when the engine wrote NaN


class Sprinter(Npc):
    kind = "sprinter"
    decision_rate = FRAME_RATE

    def on_tick(self, dt: float) -> None:
        self.move_to((1.0, 2.0, 0.0), speed=math.inf)


def test_non_finite_positions_and_speeds_never_come_out_as_commands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = Sandbox(Fleer, Sprinter)
    fleer = sandbox.spawn("fleer")
    sandbox.spawn("sprinter")
    sandbox.player_at(math.nan, 0.0)
    with caplog.at_level(logging.ERROR, logger="aicore"):
        commands = sandbox.step(1)
    assert commands == []
    reports = [r.getMessage() for r in caplog.records if "MessageError" in r.getMessage()]
    assert len(reports) == 2
    flee = next(m for m in reports if "flee" in m)
    line = inspect.getsourcelines(Fleer.on_tick)[1] + 1
    assert flee.startswith(f"{__file__}:{line}: MessageError in Fleer.on_tick (NPC {fleer}")
    assert "flee: field 'from' [0] must be a finite number, got nan" in flee
    assert any("move_to: field 'speed' must be a finite number, got inf" in m for m in reports)
    # The same script with a finite player position: its commands come out again.
    sandbox.player_at(3.0, 0.0)
    assert [c["type"] for c in sandbox.step(1)] == ["flee"]
    sandbox.close()
