"""The outbox journals items of a msgpack array the game already holds (a frame's engine
events, its commands) from those bytes: the rows are cut out on the writer thread, come
back equal to what was sent, in order, and a bad array is refused alone (a recorded
fault), never silently."""

from __future__ import annotations

import msgpack
import pytest

from engine_bridge.store import FaultKind, Store, is_msgpack_array
from engine_bridge.store.outbox import _ItemsOfArray

EVENTS = [
    {"v": 1, "type": "custom", "name": "body_delivered", "data": {"to": "covenant"}},
    {"v": 1, "type": "player_seen", "npc": 3},
    {"v": 1, "type": "custom", "name": "door", "data": [1, 2.5, None, b"\x00\xff"]},
    {"v": 1, "type": "custom", "name": "last", "data": "x" * 70_000},  # a str32 inside
]


def test_chosen_items_are_kept_in_order_equal_to_what_was_sent(store: Store) -> None:
    data = msgpack.packb(EVENTS)
    before = store.outbox.append("script.note", {"n": 1})
    first = store.outbox.append_items(data, [(0, "event.custom"), (2, "event.custom"), (3, "c")])
    after = store.outbox.append("script.note", {"n": 2})
    store.flush()
    assert store.wait_committed(timeout=30)
    assert store.take_faults() == []
    assert (before, first, after) == (1, 2, 5)  # seq known on the game thread at once
    kept = store.outbox.pending()
    assert [(e.seq, e.kind) for e in kept] == [
        (1, "script.note"),
        (2, "event.custom"),
        (3, "event.custom"),
        (4, "c"),
        (5, "script.note"),
    ]
    assert [e.body for e in kept[1:4]] == [EVENTS[0], EVENTS[2], EVENTS[3]]
    assert store.outbox.last_seq == 5


def test_no_picks_write_nothing_and_take_no_seq(store: Store) -> None:
    assert store.outbox.append_items(msgpack.packb(EVENTS), []) == 1
    assert store.outbox.last_seq == 0
    assert store.flush() is None


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (msgpack.packb([]), True),
        (msgpack.packb(list(range(20))), True),  # array 16
        (msgpack.packb(list(range(70_000))), True),  # array 32
        (msgpack.packb({"type": "custom"}), False),
        (b"", False),
        (b"\xc1", False),
    ],
)
def test_only_an_array_is_taken(store: Store, data: bytes, answer: bool) -> None:
    assert is_msgpack_array(data) is answer
    if not answer:
        with pytest.raises(ValueError, match="msgpack array"):
            store.outbox.append_items(data, [(0, "event.custom")])
        assert store.outbox.last_seq == 0


def test_the_rows_can_be_read_again_for_a_retried_commit() -> None:
    rows = _ItemsOfArray(msgpack.packb(EVENTS), [(1, "a"), (3, "b")], 7, 0.5)
    assert len(rows) == 2
    once = list(rows)
    assert once == list(rows)
    assert [(seq, kind) for seq, kind, _, _ in once] == [(7, "a"), (8, "b")]
    assert msgpack.unpackb(once[0][2]) == EVENTS[1]


def test_an_array_that_does_not_hold_its_items_is_refused_alone_with_a_fault(
    store: Store,
) -> None:
    truncated = msgpack.packb(EVENTS)[:-10]
    store.outbox.append_items(truncated, [(3, "event.custom")])
    store.flush()
    store.outbox.append("good", {"n": 1})
    store.flush()
    assert store.wait_committed(timeout=30)
    (fault,) = store.take_faults()
    assert fault.kind is FaultKind.REJECTED
    assert "outbox item 0" in fault.reason
    assert [e.kind for e in store.outbox.pending()] == ["good"]


def test_a_pick_beyond_the_array_is_refused_with_a_fault(store: Store) -> None:
    store.outbox.append_items(msgpack.packb(EVENTS), [(9, "event.custom")])
    store.flush()
    assert not store.wait_committed(timeout=30)  # finished, and rejected
    (fault,) = store.take_faults()
    assert "item 9 of an array of 4" in fault.reason
    assert store.outbox.pending() == []
