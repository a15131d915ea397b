"""Save slots: whole or not at all, the previous save kept, damage named and never
overwritten, and the autosave clock."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from engine_bridge.store import Autosave, FaultKind, Store, StoreError

STORY = {"main": {"v": 1, "story": "Main", "flags": {"met": False}, "completed": [], "counts": {}}}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_load_puts_back_memory_and_story_as_they_were_at_the_save(store: Store) -> None:
    memory = store.npc_memory()
    memory[1]["hp"] = 10
    store.story_state.write(STORY)
    saved = store.saves.save("before_boss", label="the gate").result(30)
    assert (saved.slot, saved.label, saved.sound) == ("before_boss", "the gate", True)
    memory[1]["hp"] = 1
    memory[2]["new"] = True
    store.story_state.write({"main": {**STORY["main"], "flags": {"met": True}, "completed": ["b"]}})
    store.flush()
    info = store.saves.load("before_boss")
    assert info.label == "the gate"
    assert store.npc_memory() is memory  # the scheduler's object, refilled
    assert dict(memory.view(1)) == {"hp": 10}
    assert memory.view(2) == {}
    assert store.story_state.read() == STORY


def test_a_save_file_is_one_self_contained_file_without_the_outbox(store: Store) -> None:
    store.outbox.append("owed_to_the_cloud", 1)
    info = store.saves.save("s").result(30)
    assert [p.name for p in info.path.parent.iterdir()] == ["s.db"]
    conn = sqlite3.connect(info.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    store.saves.load("s")
    assert [e.kind for e in store.outbox.pending()] == ["owed_to_the_cloud"]


def test_saving_over_a_slot_keeps_the_one_it_replaces_and_list_shows_both(store: Store) -> None:
    store.npc_memory()[1]["n"] = 1
    store.saves.save("s").result(30)
    store.npc_memory()[1]["n"] = 2
    store.saves.save("s").result(30)
    listed = store.saves.list()
    assert [(i.slot, i.previous, i.sound) for i in listed] == [
        ("s", False, True),
        ("s", True, True),
    ]
    store.saves.load("s", previous=True)
    assert store.npc_memory().view(1) == {"n": 1}
    store.saves.load("s")
    assert store.npc_memory().view(1) == {"n": 2}
    assert store.saves.delete("s")
    assert store.saves.list() == []
    assert not store.saves.delete("s")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: b"", "too short"),
        (lambda data: b"not a database at all" * 50, "SQLite header"),
        (lambda data: data[:100] + b"\xff" * (len(data) - 100), "not a sound SQLite database"),
    ],
    ids=["truncated", "emptied", "overwritten", "pages-garbled"],
)
def test_a_damaged_save_names_its_file_offers_the_previous_and_is_never_overwritten(
    store: Store, damage: Callable[[bytes], bytes], reason: str
) -> None:
    store.npc_memory()[1]["n"] = 1
    store.saves.save("s").result(30)
    store.npc_memory()[1]["n"] = 2
    store.saves.save("other").result(30)
    store.saves.save("s").result(30)
    slot = store.paths.slot("s")
    slot.write_bytes(damage(slot.read_bytes()))
    before = _digest(slot)
    with pytest.raises(StoreError) as failed:
        store.saves.load("s")
    fault = failed.value.fault
    assert (fault.kind, fault.file, fault.operation) == (FaultKind.CORRUPT, str(slot), "load")
    assert reason in fault.reason
    offered = failed.value.offered
    assert next((o.slot, o.previous) for o in offered) == ("s", True)  # its own elder first
    assert ("other", False) in [(o.slot, o.previous) for o in offered]
    assert _digest(slot) == before
    assert store.npc_memory().view(1) == {"n": 2}  # the live state is untouched
    [listed] = [i for i in store.saves.list() if i.slot == "s" and not i.previous]
    assert listed.problem is not None
    assert listed.problem.kind == FaultKind.CORRUPT
    store.saves.load("s", previous=True)
    assert store.npc_memory().view(1) == {"n": 1}


def test_loading_a_slot_that_does_not_exist_says_so_and_offers_the_others(store: Store) -> None:
    store.saves.save("real").result(30)
    with pytest.raises(StoreError) as failed:
        store.saves.load("imagined")
    assert failed.value.kind == FaultKind.NO_SUCH_SLOT
    assert [o.slot for o in failed.value.offered] == ["real"]


def test_a_damaged_live_database_is_named_at_open_kept_and_recovered_from_a_save(
    save_root: Path,
) -> None:
    store = Store.open(save_root, "p")
    store.npc_memory()[3]["hp"] = 7
    store.saves.save("good").result(30)
    store.close()
    live = store.paths.live
    live.write_bytes(live.read_bytes()[:150])
    before = _digest(live)
    with pytest.raises(StoreError) as failed:
        Store.open(save_root, "p")
    assert (failed.value.kind, failed.value.fault.file) == (FaultKind.CORRUPT, str(live))
    assert [o.slot for o in failed.value.offered] == ["good"]
    assert _digest(live) == before  # nothing overwritten
    kept = Store.recover(save_root, "p", "good")
    assert _digest(kept) == before
    with Store.open(save_root, "p") as recovered:
        assert recovered.npc_memory().view(3) == {"hp": 7}


def test_a_database_from_a_newer_store_is_refused_untouched(save_root: Path) -> None:
    Store.open(save_root, "p").close()
    live = save_root / "p" / "live.db"
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = _digest(live)
    with pytest.raises(StoreError) as failed:
        Store.open(save_root, "p")
    assert failed.value.kind == FaultKind.SCHEMA
    assert "newer store" in failed.value.fault.reason
    assert _digest(live) == before


def test_a_profile_is_open_in_one_store_at_a_time(store: Store, save_root: Path) -> None:
    with pytest.raises(StoreError) as failed:
        Store.open(save_root, "player")
    assert failed.value.kind == FaultKind.IN_USE


def test_the_autosave_saves_every_interval_of_its_clock(store: Store) -> None:
    now = [100.0]
    autosave = Autosave(store.saves, 60.0, clock=lambda: now[0])
    assert autosave.tick() is None
    now[0] = 159.0
    assert autosave.tick() is None
    now[0] = 160.0
    first = autosave.tick()
    assert first is not None
    assert first.result(30).slot == "autosave"
    now[0] = 200.0
    assert autosave.tick() is None
    now[0] = 221.0
    second = autosave.tick()
    assert second is not None
    second.result(30)
    assert [(i.slot, i.previous) for i in store.saves.list()] == [
        ("autosave", False),
        ("autosave", True),
    ]


def test_a_save_whose_values_do_not_decode_is_refused_before_it_replaces_anything(
    store: Store,
) -> None:
    store.npc_memory()[1]["hp"] = 10
    store.npc_memory()[2]["hp"] = 20
    info = store.saves.save("s").result(30)
    conn = sqlite3.connect(info.path)
    conn.execute("UPDATE npc_memory SET memory = x'c1' WHERE slot = 2")  # 0xc1: never msgpack
    conn.commit()
    conn.close()
    store.npc_memory()[1]["hp"] = 11
    with pytest.raises(StoreError) as failed:
        store.saves.load("s")
    assert (failed.value.kind, failed.value.fault.field) == (FaultKind.CORRUPT, "slot 2")
    assert store.npc_memory().view(1) == {"hp": 11}


def test_a_live_database_whose_values_do_not_decode_is_named_at_open(save_root: Path) -> None:
    with Store.open(save_root, "p") as store:
        store.npc_memory()[1]["hp"] = 10
    conn = sqlite3.connect(save_root / "p" / "live.db")
    conn.execute("UPDATE npc_memory SET memory = x'c1'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as failed:
        Store.open(save_root, "p")
    assert failed.value.kind == FaultKind.CORRUPT
    assert failed.value.fault.file == str(save_root / "p" / "live.db")
    with pytest.raises(StoreError) as again:  # the lock was let go: the same answer
        Store.open(save_root, "p")
    assert again.value.kind == FaultKind.CORRUPT
