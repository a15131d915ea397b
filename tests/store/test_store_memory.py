"""SqliteNpcMemory: NPC memory that survives a restart, written once per frame."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine_bridge.api import Npc
from engine_bridge.core.scheduler import Scheduler
from engine_bridge.core.world import World
from engine_bridge.scripting.npc_memory import NpcMemory
from engine_bridge.store import FaultKind, NotPlainDataError, Store


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
