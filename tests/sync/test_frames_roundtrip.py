"""The frames codec (``engine_bridge/sync/frames.py``): what is encoded decodes to the
same frames, a stream message spliced from outbox bytes equals one encoded from decoded
bodies, and every field's refusal names its frame, field and code."""

from __future__ import annotations

import msgpack
import pytest

from engine_bridge.sync.frames import (
    MAX_CLIENT_LEN,
    MAX_FRAMES,
    MAX_KIND_LEN,
    Frame,
    FrameError,
    Refusal,
    decode_message,
    encode_message,
    encode_stream_message,
    stream_owner,
)

BODIES = [
    None,
    0,
    -1,
    2**64 - 1,
    1.5,
    "é",
    b"\x00\xff",
    [1, [2, [3]]],
    {"npc": 7, "tags": ["a"], "nested": {"x": None}},
]


def test_control_and_stream_frames_round_trip() -> None:
    frames = [
        Frame("alice/m1", 0, "sync.hello", {"agent": "aicore 0.1"}),
        *[Frame("alice/m1", seq, "event.custom", body) for seq, body in enumerate(BODIES, 1)],
        Frame("alice/m2", 2**64 - 1, "x" * MAX_KIND_LEN, None),
        Frame("a" * MAX_CLIENT_LEN, 0, "sync.ping", None),
    ]
    assert decode_message(encode_message(frames)) == frames


def test_a_stream_message_spliced_from_outbox_bytes_equals_the_encoded_one() -> None:
    rows = [(seq, f"event.k{seq % 2}", msgpack.packb(body)) for seq, body in enumerate(BODIES, 1)]
    spliced = encode_stream_message("alice/m1", rows)
    decoded = [Frame("alice/m1", seq, kind, msgpack.unpackb(body)) for seq, kind, body in rows]
    assert spliced == encode_message(decoded)
    assert decode_message(spliced) == decoded


def test_the_largest_message_decodes_and_one_more_frame_is_oversized() -> None:
    rows = [(seq, "e", b"\xc0") for seq in range(1, MAX_FRAMES + 1)]
    assert len(decode_message(encode_stream_message("a/b", rows))) == MAX_FRAMES
    with pytest.raises(FrameError) as refused:
        decode_message(encode_stream_message("a/b", [*rows, (MAX_FRAMES + 1, "e", b"\xc0")]))
    assert refused.value.code == Refusal.OVERSIZED


@pytest.mark.parametrize(
    ("item", "code", "field"),
    [
        ({"v": 2, "client": "a/b", "seq": 1, "kind": "e", "body": None}, Refusal.VERSION, "v"),
        ({"v": "1", "client": "a/b", "seq": 1, "kind": "e", "body": None}, Refusal.MALFORMED, "v"),
        ({"v": 1, "client": "", "seq": 1, "kind": "e", "body": None}, Refusal.MALFORMED, "client"),
        ({"v": 1, "client": "a/b", "seq": -1, "kind": "e", "body": None}, Refusal.MALFORMED, "seq"),
        ({"v": 1, "client": "a/b", "seq": 1, "kind": "", "body": None}, Refusal.MALFORMED, "kind"),
        (
            {"v": 1, "client": "a/b", "seq": 0, "kind": "e", "body": None},
            Refusal.UNKNOWN_KIND,
            "kind",
        ),
        (
            {"v": 1, "client": "a/b", "seq": 1, "kind": "sync.ack", "body": None},
            Refusal.UNKNOWN_KIND,
            "kind",
        ),
        ({"v": 1, "client": "a/b", "seq": 1, "kind": "e"}, Refusal.MALFORMED, None),
    ],
)
def test_each_field_is_checked(item: dict[str, object], code: Refusal, field: str | None) -> None:
    good = {"v": 1, "client": "a/b", "seq": 1, "kind": "e", "body": None}
    with pytest.raises(FrameError) as refused:
        decode_message(msgpack.packb([good, item]))
    assert (refused.value.code, refused.value.index, refused.value.field) == (code, 1, field)


def test_messages_that_are_not_arrays_of_frames_are_malformed() -> None:
    for data in (b"", b"\xc1", msgpack.packb([]), msgpack.packb({"v": 1}), b"\x90\x00"):
        with pytest.raises(FrameError) as refused:
            decode_message(data)
        assert refused.value.code == Refusal.MALFORMED
    with pytest.raises(FrameError) as refused:
        decode_message(b"\x91\xc0" + b"\x00" * 100, max_bytes=50)
    assert refused.value.code == Refusal.OVERSIZED


def test_the_owner_of_a_stream_is_its_key_name() -> None:
    assert stream_owner("alice/pc-1") == "alice"
    assert stream_owner("alice/pc/1") == "alice"
    assert stream_owner("alice") == "alice"
