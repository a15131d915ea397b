"""The profile's sync stream (``engine_bridge/store/sync_stream.py``): made once per live
database and kept across restarts, never carried by a save, and a profile started from a
save is a new stream whose first frame is the next outbox event. Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine_bridge.store import Store, StoreConfig
from engine_bridge.store.sync_stream import STREAM_KEYS

FAST = StoreConfig(retry_interval_s=0.01)


def _meta(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT key, value FROM meta"))
    finally:
        conn.close()


def test_the_stream_is_made_once_and_kept_across_restarts(tmp_path: Path) -> None:
    with Store.open(tmp_path, "player", FAST) as store:
        first = store.sync_stream
        assert len(first.id) == 32
        assert first.base == 0
        assert first.frame_seq(store.outbox.append("event.custom", {})) == 1
    with Store.open(tmp_path, "player", FAST) as store:
        assert store.sync_stream == first
    with Store.open(tmp_path, "other", FAST) as other:
        assert other.sync_stream.id != first.id  # each profile is a stream of its own


def test_a_save_leaves_the_stream_out_and_a_recovered_profile_is_a_new_stream(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path, "player", FAST) as store:
        old = store.sync_stream
        for n in range(5):
            store.outbox.append("event.custom", {"n": n})
        store.flush()
        store.outbox.acknowledge(3)  # the gateway held 1..3
        store.flush()
        slot = store.saves.save("chapter1").result(60)
        assert slot.sound
        paths = store.paths
    assert not set(STREAM_KEYS) & set(_meta(paths.slot("chapter1")))

    paths.live.write_bytes(b"not a database")  # damaged: start again from the save
    Store.recover(tmp_path, "player", "chapter1")
    with Store.open(tmp_path, "player", FAST) as store:
        new = store.sync_stream
        assert new.id != old.id  # never a second writer of the old stream
        seq = store.outbox.append("event.custom", {"n": 5})
        assert seq == 4  # the outbox goes on from the save's acknowledged seq...
        assert new.frame_seq(seq) == 1  # ...and the new stream starts at frame 1
        assert new.outbox_seq(1) == seq


def test_a_profile_from_before_sync_gets_a_stream_starting_at_its_oldest_event(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path, "player", FAST) as store:
        for n in range(6):
            store.outbox.append("event.custom", {"n": n})
        store.flush()
        store.outbox.acknowledge(2)
        store.flush()
        live = store.paths.live
    conn = sqlite3.connect(live)  # as a store from before sync left it
    with conn:
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", STREAM_KEYS)
    conn.close()
    with Store.open(tmp_path, "player", FAST) as store:
        stream = store.sync_stream
        assert stream.base == 2
        pending = store.outbox.pending_raw(stream.base, 10)
        assert [stream.frame_seq(seq) for seq, _, _ in pending] == [1, 2, 3, 4]
        assert [kind for _, kind, _ in pending] == ["event.custom"] * 4
        assert pending[0][2] == b"\x81\xa1n\x02"  # the body's msgpack bytes as kept
