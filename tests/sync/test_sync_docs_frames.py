"""The byte-by-byte examples of ``docs/sync.md`` ("Control frames") are the codec's
bytes: each decodes with ``decode_message`` and encodes again to the same bytes, and
the tables that annotate them add up to them."""

from __future__ import annotations

import re
from pathlib import Path

import msgpack

from engine_bridge.sync.frames import decode_message, encode_message, encode_stream_message

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Control frames")
    return text[start : text.index("\n## ", start)]


def _examples() -> list[bytes]:
    blocks = re.findall(r"```hex\n(.*?)```", _section(), re.S)
    return [bytes.fromhex(block) for block in blocks]


def test_each_hex_example_round_trips_through_the_codec() -> None:
    examples = _examples()
    kinds = []
    for data in examples:
        frames = decode_message(data)
        assert encode_message(frames) == data
        [frame] = frames
        kinds.append(frame.kind)
        assert frame.client == "alice/pc-1"
        assert frame.seq == 0
    assert kinds == ["sync.hello", "sync.welcome", "sync.ack", "sync.reject"]
    bodies = [decode_message(data)[0].body for data in examples]
    assert bodies == [
        {"agent": "aicore 0.1"},
        {"acked": 41, "heartbeat_ms": 5000},
        {"through": 42},
        {"code": "gap", "reason": "send from 43", "seq": 44, "retry_after_ms": None},
    ]


def test_the_tables_annotate_every_byte_after_the_common_head() -> None:
    section = _section()
    # Each annotated example's table follows its hex block: the backquoted byte groups
    # of its first column, joined, are the example's bytes (after the 33 shared ones,
    # for the gateway's answers).
    tables = re.findall(r"```hex\n[^`]*```\n\n((?:\|[^\n]*\n)+)", section)
    assert len(tables) == 4
    for data, table in zip(_examples(), tables, strict=True):
        annotated = b"".join(
            bytes.fromhex(group)
            for row in table.splitlines()[2:]
            for group in re.findall(r"`([0-9a-f ]+)`", row.split("|")[1])
        )
        assert data.endswith(annotated)
        assert len(annotated) in (len(data), len(data) - 33)


def test_the_stream_frame_example_round_trips_and_is_what_the_client_writes() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## The frames, byte by byte")
    section = text[start : text.index("\n## ", start)]
    [block] = re.findall(r"```hex\n(.*?)```", section, re.S)
    data = bytes.fromhex(block)
    [frame] = decode_message(data)
    assert (frame.client, frame.seq, frame.kind) == ("alice/pc-1", 42, "event.custom")
    assert frame.body == {"v": 1, "type": "custom", "name": "door"}
    assert encode_message([frame]) == data
    stored = msgpack.packb(frame.body)  # as the outbox keeps it
    assert encode_stream_message("alice/pc-1", [(42, "event.custom", stored)]) == data
