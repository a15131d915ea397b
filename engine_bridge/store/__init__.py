"""The store: one SQLite database per player profile (WAL) holding what the player can
lose — NPC memory, story progress, the outbox of events bound for the cloud — and the
save slots, written by one writer thread. ``docs/saves.md`` is the guide.

    store = Store.open(save_root, "player1")
    scheduler = Scheduler(memory=store.npc_memory())   # memory persists; flush per frame
    store.story_state.write(story.snapshot())           # each frame (only changes are written)
    store.saves.save("slot1").result()                  # an explicit save
    store.close()
"""

from engine_bridge.store.errors import FaultKind, NotPlainDataError, StoreError, StoreFault
from engine_bridge.store.metrics import StoreMetrics
from engine_bridge.store.npc_memory import SqliteNpcMemory
from engine_bridge.store.outbox import Outbox, OutboxEvent, is_msgpack_array
from engine_bridge.store.saves import Autosave, SaveInfo, SaveSlots
from engine_bridge.store.store import Store, StoreConfig
from engine_bridge.store.story_state import StoryState

__all__ = [
    "Autosave",
    "FaultKind",
    "NotPlainDataError",
    "Outbox",
    "OutboxEvent",
    "SaveInfo",
    "SaveSlots",
    "SqliteNpcMemory",
    "Store",
    "StoreConfig",
    "StoreError",
    "StoreFault",
    "StoreMetrics",
    "StoryState",
    "is_msgpack_array",
]
