"""The GatewayStore contract (``gateway/aicore_gateway/stores/base.py``), run against every
backend: a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable

import msgpack
from aicore_gateway.stores import AppendResult, CloudSave, GatewayStore
from store_rows import stored_events

CLIENT = "alice/pc-1"
OpenStore = Callable[[], GatewayStore]


def frames(first: int, last: int, kind: str = "event.custom") -> list[tuple[int, str, bytes]]:
    return [(seq, kind, msgpack.packb({"n": seq})) for seq in range(first, last + 1)]


def save(sha: str, parent: str | None, *, slot: str = "slot-1", owner: str = "alice") -> CloudSave:
    return CloudSave(
        owner=owner,
        slot=slot,
        stream=f"{owner}/pc-1",
        saved_at=1_700_000_000.5,
        sha256=sha,
        parent_sha256=parent,
        data=f"save {sha}".encode(),
    )


def test_a_new_stream_has_acked_nothing(gateway_store: GatewayStore) -> None:
    assert gateway_store.acked_through(CLIENT) == 0
    assert gateway_store.effects(CLIENT) == {}
    assert gateway_store.append(CLIENT, []) == AppendResult(0, 0, 0, None)


def test_contiguous_frames_are_stored_in_order(gateway_store: GatewayStore, store_url: str) -> None:
    assert gateway_store.append(CLIENT, frames(1, 3)) == AppendResult(3, 3, 0, None)
    assert gateway_store.append(CLIENT, frames(4, 5)) == AppendResult(5, 2, 0, None)
    assert gateway_store.acked_through(CLIENT) == 5
    assert stored_events(store_url, CLIENT) == frames(1, 5)


def test_duplicates_are_counted_and_never_stored_again(
    gateway_store: GatewayStore, store_url: str
) -> None:
    gateway_store.append(CLIENT, frames(1, 3))
    # The client resends 2..3 (its ack was lost) with 4..5 behind them.
    assert gateway_store.append(CLIENT, frames(2, 5)) == AppendResult(5, 2, 2, None)
    assert gateway_store.append(CLIENT, frames(1, 5)) == AppendResult(5, 0, 5, None)
    # A frame repeated inside one batch is a duplicate too.
    repeated = [*frames(6, 6), *frames(6, 7)]
    assert gateway_store.append(CLIENT, repeated) == AppendResult(7, 2, 1, None)
    assert [seq for seq, _, _ in stored_events(store_url, CLIENT)] == list(range(1, 8))


def test_a_gap_stops_the_batch_and_is_reported(gateway_store: GatewayStore) -> None:
    assert gateway_store.append(CLIENT, frames(2, 4)) == AppendResult(0, 0, 0, 2)
    batch = [*frames(1, 2), *frames(4, 6)]
    assert gateway_store.append(CLIENT, batch) == AppendResult(2, 2, 0, 4)
    assert gateway_store.acked_through(CLIENT) == 2
    # The client resends from acked_through + 1: the gap is filled, the rest follows.
    assert gateway_store.append(CLIENT, frames(3, 6)) == AppendResult(6, 4, 0, None)


def test_effects_happen_once_per_frame_however_often_it_arrives(
    gateway_store: GatewayStore,
) -> None:
    hits = frames(1, 4, "combat.hit")
    quests = [(seq, "quest.done", b"\xc0") for seq in range(5, 7)]
    for _ in range(3):
        gateway_store.append(CLIENT, hits)
        gateway_store.append(CLIENT, [*hits, *quests])
    assert gateway_store.effects(CLIENT) == {"combat.hit": 4, "quest.done": 2}


def test_streams_are_independent(gateway_store: GatewayStore) -> None:
    gateway_store.append(CLIENT, frames(1, 5))
    gateway_store.append("alice/laptop", frames(1, 2))
    assert gateway_store.acked_through(CLIENT) == 5
    assert gateway_store.acked_through("alice/laptop") == 2
    assert gateway_store.effects("alice/laptop") == {"event.custom": 2}
    assert gateway_store.acked_through("bob/pc-1") == 0


def test_what_was_acknowledged_is_there_after_reopening(open_gateway_store: OpenStore) -> None:
    first = open_gateway_store()
    first.append(CLIENT, frames(1, 10, "combat.hit"))
    first.put_save(save("aa", None))
    first.close()
    again = open_gateway_store()
    assert again.acked_through(CLIENT) == 10
    assert again.effects(CLIENT) == {"combat.hit": 10}
    assert again.append(CLIENT, frames(5, 11)) == AppendResult(11, 1, 6, None)
    latest = again.latest_save("alice", "slot-1")
    assert latest is not None
    assert latest.sha256 == "aa"


def test_saves_put_latest_and_list(gateway_store: GatewayStore) -> None:
    assert gateway_store.latest_save("alice", None) is None
    first = gateway_store.put_save(save("aa", None))
    assert first == save("aa", None)
    second = gateway_store.put_save(save("bb", "aa"))
    assert second.conflict_of is None
    other_slot = gateway_store.put_save(save("cc", None, slot="slot-2"))
    assert other_slot.conflict_of is None  # a new slot has no head to conflict with

    assert gateway_store.latest_save("alice", "slot-1") == save("bb", "aa")
    assert gateway_store.latest_save("alice", None) == save("cc", None, slot="slot-2")
    assert gateway_store.latest_save("alice", "slot-3") is None
    assert gateway_store.latest_save("bob", None) is None
    listing = gateway_store.list_saves("alice")
    assert [(s.slot, s.sha256, s.parent_sha256) for s in listing] == [
        ("slot-2", "cc", None),
        ("slot-1", "bb", "aa"),
        ("slot-1", "aa", None),
    ]
    assert all(s.data == b"" for s in listing)
    assert [s.size for s in listing] == [len(b"save cc"), len(b"save bb"), len(b"save aa")]
    assert listing[0].stream == "alice/pc-1"
    assert listing[0].saved_at == 1_700_000_000.5
    assert gateway_store.list_saves("bob") == []


def test_a_save_over_another_head_keeps_both(gateway_store: GatewayStore) -> None:
    gateway_store.put_save(save("aa", None))
    gateway_store.put_save(save("bb", "aa"))  # the laptop moved the slot on
    # The desktop still thinks "aa" is the head: its save is kept, flagged, and newest.
    kept = gateway_store.put_save(save("cc", "aa"))
    assert kept.conflict_of == "bb"
    assert kept.data == b"save cc"
    assert gateway_store.latest_save("alice", "slot-1") == kept
    shas = [s.sha256 for s in gateway_store.list_saves("alice")]
    assert shas == ["cc", "bb", "aa"]
    # A save made from nothing over an existing head conflicts too.
    assert gateway_store.put_save(save("dd", None)).conflict_of == "cc"


def test_uploading_the_same_save_again_is_not_a_conflict(gateway_store: GatewayStore) -> None:
    gateway_store.put_save(save("aa", None))
    gateway_store.put_save(save("bb", "aa"))
    # The reply to "bb" was lost; the client sends it again.
    assert gateway_store.put_save(save("bb", "aa")) == save("bb", "aa")
    assert [s.sha256 for s in gateway_store.list_saves("alice")] == ["bb", "aa"]


def test_ping_answers_when_the_store_is_up(gateway_store: GatewayStore) -> None:
    gateway_store.ping()
    gateway_store.append(CLIENT, frames(1, 1))
    gateway_store.ping()
