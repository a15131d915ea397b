"""docs/protocol.md: every documented example round-trips, through the real bridge for
events; malformed messages are rejected with a reason and never crash (hypothesis)."""

from __future__ import annotations

import ctypes
import json
import re
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_bridge import abi
from engine_bridge.protocol import COMMAND_FIELDS, EVENT_FIELDS, MessageError, validate

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
    config = abi.default_config(lib)
    rt = ctypes.c_void_p()
    assert lib.aicore_runtime_create(ctypes.byref(config), ctypes.byref(rt)) == 0, (
        lib.aicore_last_create_error()
    )
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
        ({"v": 1, "type": "player_seen", "npc": 1, "extra": 0}, "unknown or repeated fields"),
    ],
)
def test_malformed_events_are_rejected_with_their_reason(
    bridge: tuple[ctypes.CDLL, ctypes.c_void_p], event: dict[str, object], reason: str
) -> None:
    lib, rt = bridge
    assert _push(bridge, msgpack.packb(event)) == 5  # AICORE_BAD_MESSAGE
    assert reason in lib.aicore_runtime_last_error(rt).decode()


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
