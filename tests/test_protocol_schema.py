"""The drift test of issue #13: the one protocol schema (engine_bridge/protocol/schema.toml)
and everything that states it agree, so a change made in one place only fails here.

* engine_bridge/protocol/messages.py: its tables and limits equal the schema as read here with
  tomllib alone (not through the loader protocol.py uses);
* docs/protocol.md: the event, command and limit tables are what
  tools/generate_protocol_doc.py makes of the schema, and the prose names every limit;
* the C++ bridge (libaicore, over ctypes): every field of every event type at its
  boundary is accepted and one step beyond it rejected, with Python's reason, and each
  limit is held at its value exactly; the bridge is built from a header generated from the
  schema (tools/generate_protocol_header.py), so this checks that header and the rules the
  validator applies to it;
* the host (aicore-host's command decoder) is built from the same header and holds its
  own boundaries in cpp/host/tests/test_world_sim.cpp (ctest, also part of `make test`).
"""

from __future__ import annotations

import ctypes
import importlib.util
import math
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgpack
import pytest
from native_runtime import create_runtime

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi
from engine_bridge.protocol import messages as protocol
from engine_bridge.protocol import schema as protocol_schema
from engine_bridge.protocol.messages import MessageError, parse_events, validate

REPO = Path(__file__).resolve().parent.parent
RAW = tomllib.loads((REPO / "engine_bridge" / "protocol" / "schema.toml").read_text())
OK, BAD_MESSAGE = 0, 5


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw_fields(section: str) -> dict[str, dict[str, str]]:
    return {
        type_name: {
            f["name"]: f["kind"] + ("?" if f.get("optional", False) else "") for f in body["fields"]
        }
        for type_name, body in RAW[section].items()
    }


# -- protocol.py --------------------------------------------------------------------------


def test_protocol_py_tables_are_the_schema() -> None:
    assert _raw_fields("events") == protocol.EVENT_FIELDS
    assert _raw_fields("commands") == protocol.COMMAND_FIELDS
    # Field order is part of the schema: the docs list fields in it, reasons follow it.
    for mine, raw in ((protocol.EVENT_FIELDS, "events"), (protocol.COMMAND_FIELDS, "commands")):
        assert {t: list(f) for t, f in mine.items()} == {
            t: [f["name"] for f in body["fields"]] for t, body in RAW[raw].items()
        }
    limits = RAW["limits"]
    assert (RAW["version"], limits["push_bytes"], limits["events_per_push"]) == (
        protocol.VERSION,
        protocol.MAX_PUSH_BYTES,
        protocol.MAX_EVENTS_PER_PUSH,
    )
    assert (limits["depth"], limits["string_bytes"]) == (
        protocol.MAX_DEPTH,
        protocol.MAX_STRING_BYTES,
    )


def test_every_kind_the_schema_uses_is_one_the_validators_know() -> None:
    used = {f["kind"] for s in ("events", "commands") for b in RAW[s].values() for f in b["fields"]}
    assert used <= set(protocol_schema.KINDS)


def test_a_schema_with_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    text = (REPO / "engine_bridge" / "protocol" / "schema.toml").read_text()
    broken = tmp_path / "schema.toml"
    broken.write_text(text.replace('kind = "position"', 'kind = "vector"', 1))
    with pytest.raises(protocol_schema.SchemaError, match="vector"):
        protocol_schema.load(broken)


# -- docs/protocol.md ---------------------------------------------------------------------


def test_the_doc_tables_are_generated_from_the_schema() -> None:
    doc = (REPO / "docs" / "protocol.md").read_text()
    generator = _tool("generate_protocol_doc")
    assert generator.render(doc, protocol_schema.load()) == doc, (
        "docs/protocol.md's tables differ from engine_bridge/protocol/schema.toml: edit the "
        "schema, then run python tools/generate_protocol_doc.py"
    )


def _markdown_rows(doc: str, name: str) -> list[list[str]]:
    body = doc.split(f"<!-- BEGIN {name}:", 1)[1].split(f"<!-- END {name} -->", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_doc_tables_name_the_schemas_fields() -> None:
    """Read back from the markdown on its own terms (not through the generator): the doc
    lists each type with its fields, in order, and says which are optional."""
    doc = (REPO / "docs" / "protocol.md").read_text()
    for section in ("events", "commands"):
        documented = {}
        for type_cell, fields_cell, _ in _markdown_rows(doc, section):
            names = re.findall(r"(optional )?`(\w+)`:", fields_cell)
            documented[type_cell.strip("`")] = [(n, bool(opt)) for opt, n in names]
        assert documented == {
            t: [(f["name"], f.get("optional", False)) for f in body["fields"]]
            for t, body in RAW[section].items()
        }


def test_the_docs_prose_states_every_limit() -> None:
    doc = (REPO / "docs" / "protocol.md").read_text()
    rules = doc.split("### What is rejected", 1)[1].split("<!-- BEGIN limits", 1)[0]
    grouped = _tool("generate_protocol_doc").grouped
    limits = RAW["limits"]
    assert f"({grouped(limits['push_bytes'])} bytes)" in rules
    assert f"more than {grouped(limits['events_per_push'])} events" in rules
    assert f"deeper than **{limits['depth']} levels**" in rules
    assert f"longer than {grouped(limits['string_bytes'])} bytes" in rules
    assert f"0..{grouped(RAW['kinds']['uint']['max'])}" in rules
    lo, hi = RAW["kinds"]["unit"]["min"], RAW["kinds"]["unit"]["max"]
    assert f"**{lo:g}..{hi:g}**" in rules


# -- the C++ bridge -----------------------------------------------------------------------


class Bridge:
    """A real runtime with no scripts: pushes are judged by the bridge's validator."""

    def __init__(self) -> None:
        self.lib = abi.load()
        self.rt = create_runtime(self.lib, abi.default_config(self.lib))

    def verdict(self, data: bytes) -> str | None:
        """None if the bridge took the whole push, else its reason."""
        buffer = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(data or b"\0")
        result = self.lib.aicore_push_events(self.rt, buffer, len(data))
        reason = bytes(self.lib.aicore_runtime_last_error(self.rt)).decode()
        self.lib.aicore_tick(self.rt, FRAME_SECONDS)  # nothing piles up in the bridge
        if result == OK:
            return None
        assert result == BAD_MESSAGE
        return reason

    def close(self) -> None:
        self.lib.aicore_runtime_destroy(self.rt)


@pytest.fixture(scope="module")
def bridge() -> Iterator[Bridge]:
    b = Bridge()
    yield b
    b.close()


def _python_verdict(data: bytes) -> str | None:
    """parse_events' first reason, in the bridge's words: Python alone lists the known
    types after an unknown one (a help for script authors, not a rule)."""
    parsed = parse_events(data)
    return re.sub(r" \(known: [^)]*\)$", "", parsed.rejected[0]) if parsed.rejected else None


def _nested(levels: int) -> Any:
    """``levels`` levels of arrays (as custom data: the event map is one more)."""
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def _boundaries(kind: str) -> tuple[list[Any], list[Any]]:
    """Values of a field kind at the schema's boundaries, and values one step beyond."""
    strings = RAW["limits"]["string_bytes"]
    uint_max = RAW["kinds"]["uint"]["max"]
    lo, hi = RAW["kinds"]["unit"]["min"], RAW["kinds"]["unit"]["max"]
    depth = RAW["limits"]["depth"]
    return {
        "uint": ([0, uint_max], [uint_max + 1, -1, 0.0]),
        "number": ([-1e308, 1e308, 0], [math.inf, -math.inf, math.nan, "1"]),
        "unit": ([lo, hi], [math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)]),
        "string": (["", "x" * strings], ["x" * (strings + 1), b"x"]),
        "position": ([[0, 0.5, -1e308]], [[0, 0], [0, 0, 0, 0], [0, 0, math.nan]]),
        "target": (["player", 0, uint_max], ["npc", uint_max + 1]),
        "any": (
            [None, "x" * strings, {"k": _nested(depth - 2)}],
            ["x" * (strings + 1), {"k": _nested(depth - 1)}, math.inf],
        ),
    }[kind]


def _valid_event(fields: list[dict[str, Any]]) -> dict[str, Any]:
    first = {"uint": 0, "number": 0, "unit": 0.5, "string": "s", "position": [0, 0, 0]}
    first |= {"target": "player", "any": None}
    return {f["name"]: first[f["kind"]] for f in fields}


def _event_cases() -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(name, event, accepted per the schema) for every field of every event type."""
    for type_name, body in RAW["events"].items():
        head = {"v": RAW["version"], "type": type_name}
        base = _valid_event(body["fields"])
        yield f"{type_name}: every field", head | base, True
        for f in body["fields"]:
            name = f["name"]
            good, bad = _boundaries(f["kind"])
            for i, value in enumerate(good):
                yield f"{type_name}.{name} at boundary {i}", head | base | {name: value}, True
            for i, value in enumerate(bad):
                yield f"{type_name}.{name} beyond {i}", head | base | {name: value}, False
            without = {k: v for k, v in base.items() if k != name}
            yield f"{type_name} without {name}", head | without, f.get("optional", False)
        yield f"{type_name} with an extra field", head | base | {"extra": 0}, False
    yield "a type the schema does not have", {"v": RAW["version"], "type": "teleported"}, False
    yield "another version", {"v": RAW["version"] + 1, "type": "custom", "name": "x"}, False


CASES = list(_event_cases())


@pytest.mark.parametrize(("name", "event", "accepted"), CASES, ids=[c[0] for c in CASES])
def test_the_bridge_holds_every_event_field_at_its_boundary(
    bridge: Bridge, name: str, event: dict[str, Any], accepted: bool
) -> None:
    data = msgpack.packb(event, use_bin_type=True)
    python = _python_verdict(data)
    assert (python is None) == accepted, f"protocol.py: {python}"
    assert bridge.verdict(data) == python


def _custom_push(count: int) -> bytes:
    """An array of ``count`` custom events."""
    return msgpack.packb([{"v": 1, "type": "custom", "name": ""}] * count)


def test_the_bridge_holds_the_events_per_push_limit(bridge: Bridge) -> None:
    most = RAW["limits"]["events_per_push"]
    assert bridge.verdict(_custom_push(most)) is None
    over = _custom_push(most + 1)
    reason = bridge.verdict(over)
    assert reason == _python_verdict(over)
    assert f"{most + 1} events, over the limit of {most} per push" in str(reason)


def test_the_bridge_holds_the_push_bytes_limit(bridge: Bridge) -> None:
    most, strings = RAW["limits"]["push_bytes"], RAW["limits"]["string_bytes"]
    # Names of at most a string's limit (and long enough that their header does not
    # change size as they grow), enough of them to fill the push to the byte.
    count = most // strings + 1
    events = [{"v": 1, "type": "custom", "name": "x" * 256} for _ in range(count)]
    short = most - len(msgpack.packb(events))
    for event in events:
        grow = min(short, strings - len(event["name"]))
        event["name"] += "x" * grow
        short -= grow
    exactly = msgpack.packb(events)
    assert len(exactly) == most
    assert bridge.verdict(exactly) is None
    min(events, key=lambda e: len(e["name"]))["name"] += "x"  # one byte more, same headers
    over = msgpack.packb(events)
    reason = bridge.verdict(over)
    assert reason == _python_verdict(over)
    assert f"{most + 1} bytes, over the limit of {most} bytes per push" in str(reason)


def test_the_bridge_and_python_speak_the_schemas_version(bridge: Bridge) -> None:
    event = {"v": RAW["version"], "type": "custom", "name": "x"}
    assert validate(event, protocol.EVENT_FIELDS) is event
    assert bridge.verdict(msgpack.packb(event)) is None
    with pytest.raises(MessageError, match=f"speaks v={RAW['version']}"):
        validate(event | {"v": 0}, protocol.EVENT_FIELDS)


# -- the C++ header generator -------------------------------------------------------------


def test_the_generated_header_has_every_type_field_and_limit() -> None:
    """The generator writes what the schema says (its output is what the bridge and the
    host compile; the bridge's behaviour above, and host_tests, are its proof in use)."""
    header = _tool("generate_protocol_header").render(protocol_schema.load())
    limits = RAW["limits"]
    assert f"kMaxPushBytes = {limits['push_bytes']};" in header
    assert f"kMaxEventsPerPush = {limits['events_per_push']};" in header
    assert f"kMaxDepth = {limits['depth']};" in header
    assert f"kMaxStringBytes = {limits['string_bytes']};" in header
    assert f"kUintMax = {RAW['kinds']['uint']['max']}u;" in header
    for section in ("events", "commands"):
        for type_name, body in RAW[section].items():
            assert f'{{"{type_name}", ' in header
            for f in body["fields"]:
                optional = "true" if f.get("optional", False) else "false"
                assert f'{{"{f["name"]}", FieldKind::{f["kind"].capitalize()}, {optional}}}' in (
                    header
                )
