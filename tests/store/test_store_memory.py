"""SqliteNpcMemory: NPC memory that survives a restart, written once per frame."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from engine_bridge.api import Npc
from engine_bridge.core.scheduler import Scheduler
from engine_bridge.core.world import World
from engine_bridge.scripting.npc_memory import NpcMemory
from engine_bridge.store import FaultKind, NotPlainDataError, Store
from engine_bridge.store.encoding import decode


def test_what_npcs_remember_survives_a_restart_equal_to_what_was_set(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    values = {
        "greeted": True,
        "coins": 2**40,
        "mood": "wary — ünïcode",
        "pos": (1.5, -2.0, 0.0),
        "path": [(0, 0), (1, 2)],
        "seen": {"player": 2, "thief": [1, None]},
        "nothing": None,
        "ratio": 0.25,
    }
    for key, value in values.items():
        memory[4][key] = value
    memory.flush()
    store = reopen(store)
    try:
        assert dict(store.npc_memory().view(4)) == values
        assert type(store.npc_memory()[4]["pos"]) is tuple
    finally:
        store.close()


def test_a_container_changed_in_place_after_recall_is_written_too(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    memory[1]["gifts"] = ["bread"]
    memory.flush()
    memory[1].get("gifts").append("ale")  # type: ignore[union-attr]
    memory[1]["seen"] = {}
    memory.flush()
    memory[1]["seen"]["player"] = 3  # type: ignore[index]
    memory.flush()
    store = reopen(store)
    try:
        assert store.npc_memory().view(1) == {"gifts": ["bread", "ale"], "seen": {"player": 3}}
    finally:
        store.close()


def test_forgetting_a_key_and_dropping_a_slot_are_written(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    memory[1].update(a=1, b=2, c=3)
    memory[2]["x"] = "kept"
    memory[3]["y"] = "despawned"
    memory.flush()
    del memory[1]["a"]
    assert memory[1].pop("b") == 2
    memory.drop_slot(3)
    memory[3]["y2"] = "a new NPC in the old slot"
    memory.flush()
    store = reopen(store)
    try:
        memory = store.npc_memory()
        assert memory.view(1) == {"c": 3}
        assert memory.view(2) == {"x": "kept"}
        assert memory.view(3) == {"y2": "a new NPC in the old slot"}
    finally:
        store.close()


def test_a_value_that_is_not_plain_data_is_refused_at_once_naming_the_key(store: Store) -> None:
    memory = store.npc_memory()
    with pytest.raises(NotPlainDataError) as refused:
        memory[5]["weapon"] = object()
    assert refused.value.key == "weapon"
    assert "remember('weapon')" in str(refused.value)
    with pytest.raises(NotPlainDataError) as nested:
        memory[5]["bag"] = {"coins": 3, "items": [1, {2, 3}]}
    assert (nested.value.key, nested.value.where, nested.value.type_name) == (
        "bag",
        "['items'][1]",
        "set",
    )
    assert memory.view(5) == {}  # nothing half-kept


def test_a_container_changed_in_place_into_something_unkeepable_is_a_fault_and_the_old_value_stays(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    memory[6]["bag"] = [1]
    memory.flush()
    memory[6]["bag"].append(object())  # type: ignore[union-attr]
    memory.flush()
    assert store.wait_committed(timeout=30)
    faults = store.take_faults()
    assert [(f.kind, f.field) for f in faults] == [(FaultKind.NOT_PLAIN_DATA, "slot 6 key 'bag'")]
    store = reopen(store)
    try:
        assert store.npc_memory().view(6) == {"bag": [1]}
    finally:
        store.close()


def test_a_frame_of_writes_is_one_batch_and_a_frame_without_writes_is_none(store: Store) -> None:
    memory = store.npc_memory()
    for slot in range(100):
        memory[slot]["hp"] = slot
    memory.flush()
    memory.flush()  # nothing new: no batch
    assert store.wait_committed(timeout=30)
    metrics = store.metrics
    assert metrics.batches_submitted == 1
    assert metrics.rows_written == 100


class Keeper(Npc):
    kind = "keeper"

    def on_spawn(self) -> None:
        self.remember("visits", self.recall("visits", 0) + 1)  # type: ignore[operator]


def test_the_scheduler_runs_on_it_and_npcs_remember_across_a_restart(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    for visit in (1, 2):
        memory: NpcMemory = store.npc_memory()
        scheduler = Scheduler(World.allocate(4), memory=memory)
        scheduler.register(Keeper)
        keeper = scheduler.spawn(0, "keeper")
        scheduler.tick(1 / 60, [], [])  # the frame's end flushes the memory
        assert keeper.recall("visits") == visit
        store = reopen(store)
    store.close()


def _stored_rows(store: Store) -> dict[int, tuple[int, dict[str, object]]]:
    """``npc_memory`` on disk: slot -> (keys, the map decoded)."""
    assert store.wait_committed(timeout=30)
    conn = sqlite3.connect(store.paths.live)
    try:
        rows = conn.execute("SELECT slot, keys, memory FROM npc_memory").fetchall()
    finally:
        conn.close()
    return {slot: (keys, decode(data)) for slot, keys, data in rows}  # type: ignore[misc]


def test_memory_is_one_row_per_npc_and_a_frame_writes_only_the_npcs_it_changed(
    store: Store,
) -> None:
    memory = store.npc_memory()
    for slot in range(50):
        memory[slot].update(hp=slot, pos=(float(slot), 0.0), met=["player"])
    memory.flush()
    assert store.wait_committed(timeout=30)
    written = store.metrics.rows_written
    assert written == 50
    memory[7]["hp"] = 70  # one key of one NPC
    memory[8]["met"].append("thief")  # type: ignore[union-attr]  # changed in place
    _ = memory[9]["hp"], memory[10].get("pos"), memory.view(11)["hp"]  # only read
    memory.flush()
    stored = _stored_rows(store)
    assert store.metrics.rows_written - written == 2
    assert stored[7] == (3, {"hp": 70, "pos": (7.0, 0.0), "met": ["player"]})
    assert stored[8] == (3, {"hp": 8, "pos": (8.0, 0.0), "met": ["player", "thief"]})
    assert len(stored) == 50


def test_a_slot_that_forgets_everything_has_no_row(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    memory[1].update(a=1, b=2)
    memory[2]["c"] = 3
    memory.flush()
    del memory[1]["a"]
    memory[1].pop("b")
    memory[2].clear()
    memory[3]["d"] = 4
    memory[3].popitem()  # written and forgotten in one frame: never a row
    memory.flush()
    assert _stored_rows(store) == {}
    store = reopen(store)
    try:
        assert len(store.npc_memory()) == 0
    finally:
        store.close()


def test_memory_read_back_is_decoded_per_slot_on_first_use_and_counts_as_there(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    for slot in range(5):
        memory[slot]["n"] = slot
    memory.flush()
    store = reopen(store)
    try:
        memory = store.npc_memory()
        assert len(memory) == 5
        assert 3 in memory
        assert 5 not in memory
        assert memory.view(2) == {"n": 2}
        assert memory.get(1) == {"n": 1}
        assert memory.get(9, "none") == "none"
        assert memory.view(9) == {}
        assert 9 not in memory  # view made nothing
        assert memory.pop(4) == {"n": 4}
        assert sorted(memory) == [0, 1, 2, 3]
        assert {slot: dict(kept) for slot, kept in memory.items()} == {
            s: {"n": s} for s in range(4)
        }
        assert memory == {s: {"n": s} for s in range(4)}
        memory.drop_slot(3)
        assert 3 not in memory
        assert len(memory) == 3
        memory.flush()
        assert sorted(_stored_rows(store)) == [0, 1, 2, 4]  # pop() is not a despawn
    finally:
        store.close()


def test_a_slot_not_yet_used_after_a_load_is_dropped_and_saved_as_it_should_be(
    store: Store,
) -> None:
    memory = store.npc_memory()
    for slot in range(3):
        memory[slot]["n"] = slot
    store.saves.save("s").result(30)
    memory[0]["n"] = 10
    store.saves.load("s")  # nothing decoded yet
    memory.drop_slot(1)
    memory.flush()
    assert {slot: kept for slot, (_, kept) in _stored_rows(store).items()} == {
        0: {"n": 0},
        2: {"n": 2},
    }
    store.saves.save("t").result(30)
    memory[2]["n"] = 20
    store.saves.load("t")
    assert len(memory) == 2
    assert memory.view(0) == {"n": 0}
    assert memory[2]["n"] == 2


def test_a_value_made_unkeepable_in_place_keeps_its_last_value_and_the_rest_of_the_npc_is_written(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    memory = store.npc_memory()
    memory[6].update(bag=[1], hp=5)
    memory.flush()
    store = reopen(store)  # the slot's map now comes from disk, decoded on first use
    try:
        memory = store.npc_memory()
        memory[6]["bag"].append(object())  # type: ignore[union-attr]
        memory[6]["hp"] = 4
        with pytest.raises(NotPlainDataError):
            memory[6]["new"] = [object]  # refused at once: never in the map
        memory[6]["fresh"] = ["x"]
        memory[6]["fresh"].append({1, 2})  # type: ignore[union-attr]  # never written good
        memory.flush()
        assert store.wait_committed(timeout=30)
        fields = sorted(fault.field for fault in store.take_faults())
        assert fields == ["slot 6 key 'bag'", "slot 6 key 'fresh'"]
        assert _stored_rows(store) == {6: (2, {"bag": [1], "hp": 4})}
    finally:
        store.close()
