"""The schema is versioned with named migrations; a version-1 save (the checked-in
fixture, made by tools/make_store_fixture_v1.py) and a version-2 one (made here, by
running the migrations up to 2) load into today's schema."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest
from sqlite_utils import Database

from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.store import FaultKind, Store, StoreError
from engine_bridge.store.encoding import decode, encode
from engine_bridge.store.schema import MIGRATIONS, VERSION, migrate

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "store_v1.db"


def _fixture_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_store_fixture_v1", REPO / "tools" / "make_store_fixture_v1.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_fixture_is_a_version_1_save() -> None:
    conn = sqlite3.connect(f"{FIXTURE.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("SELECT name FROM _migrations").fetchall() == [("initial",)]
        assert "story_state" in Database(conn).table_names()
    finally:
        conn.close()


def test_a_version_1_save_loads_migrated_and_the_save_file_is_not_written(
    store: Store,
) -> None:
    tool = _fixture_tool()
    slot = store.paths.slot(tool.SLOT)
    shutil.copyfile(FIXTURE, slot)
    before = hashlib.sha256(slot.read_bytes()).hexdigest()
    [listed] = store.saves.list()
    assert (listed.slot, listed.schema_version, listed.label) == (tool.SLOT, 1, tool.LABEL)
    info = store.saves.load(tool.SLOT)
    assert info.schema_version == VERSION
    assert info.saved_at == tool.SAVED_AT
    memory = store.npc_memory()
    assert {slot: dict(memory.view(slot)) for slot in tool.MEMORY} == tool.MEMORY
    assert store.story_state.read() == tool.STORY
    assert hashlib.sha256(slot.read_bytes()).hexdigest() == before


def test_a_new_database_has_every_migration_recorded_in_order(store: Store) -> None:
    conn = sqlite3.connect(store.paths.live)
    try:
        recorded = conn.execute("SELECT id, name FROM _migrations ORDER BY id").fetchall()
        assert recorded == [(i + 1, name) for i, (name, _) in enumerate(MIGRATIONS)]
        assert conn.execute("PRAGMA user_version").fetchone() == (VERSION,)
    finally:
        conn.close()


def test_a_live_database_left_at_version_1_is_migrated_when_the_store_opens(
    save_root: Path,
) -> None:
    tool = _fixture_tool()
    folder = save_root / "old"
    folder.mkdir(parents=True)
    live = folder / "live.db"
    shutil.copyfile(FIXTURE, live)
    with Store.open(save_root, "old") as store:
        assert store.story_state.read() == tool.STORY
        assert dict(store.npc_memory().view(7)) == tool.MEMORY[7]
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (VERSION,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, path) == 0
        assert migrate(conn, path) == VERSION
    finally:
        conn.close()


# A version-2 database: memory as one row per key. Values of every kind the encoding
# keeps (tuples, nested containers, big ints, unicode, None), so the migration to one
# row per NPC is seen to give each back equal, and of the same type.
V2_MEMORY: dict[int, dict[str, Memorable]] = {
    0: {"greeted": True},
    3: {
        "pos": (1.5, -2.0, 0.0),
        "path": [(0, 0), (1, 2)],
        "seen": {"player": 2, "thief": [1, None]},
        "coins": 2**40,
        "debt": -(2**63),
        "mood": "wary — ünïcode",
        "nothing": None,
        "ratio": 0.25,
        "nested": ((1, [2, (3,)]), {"k": ()}),
        "empty": {},
    },
    2**31: {"far": "a slot beyond 31 bits"},
}


def _version_2_database(path: Path, memory: dict[int, dict[str, Memorable]]) -> None:
    """``path`` made at schema version 2 holding ``memory`` as version 2 stores it, a
    story and a save_info row (so it is a save, too)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        assert migrate(conn, path, upto=2) == 0
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO save_info(id, slot, profile, saved_at, label) VALUES (1, ?, ?, ?, ?)",
            ("two", "p", 1_700_000_000.0, "version 2 save"),
        )
        conn.executemany(
            "INSERT INTO npc_memory(slot, key, value) VALUES (?, ?, ?)",
            [
                (slot, key, encode(value))
                for slot, keys in memory.items()
                for key, value in keys.items()
            ],
        )
        conn.execute("INSERT INTO stories(story, title, version) VALUES ('main', 'Main', 1)")
        conn.execute(
            "INSERT INTO story_flags(story, flag, value) VALUES ('main', 'met', ?)", (encode(True),)
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_a_version_2_database_migrates_to_3_with_every_value_intact(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _version_2_database(path, V2_MEMORY)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        assert migrate(conn, path) == 2
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
        assert [name for (name,) in conn.execute("SELECT name FROM _migrations ORDER BY id")] == [
            "initial",
            "story_rows",
            "npc_memory_maps",
        ]
        assert Database(conn)["npc_memory"].columns_dict == {
            "slot": int,
            "keys": int,
            "memory": bytes,
        }
        rows = conn.execute("SELECT slot, keys, memory FROM npc_memory ORDER BY slot").fetchall()
    finally:
        conn.close()
    assert [(slot, keys) for slot, keys, _ in rows] == [
        (slot, len(memory)) for slot, memory in sorted(V2_MEMORY.items())
    ]
    migrated = {slot: decode(data) for slot, _, data in rows}
    assert migrated == V2_MEMORY
    assert _typed(migrated) == _typed(V2_MEMORY)  # a tuple came back a tuple, all the way in


def _typed(value: object) -> object:
    """``value`` with every item's type beside it, maps in key order: ``==`` on this
    tells ``(1, 2)`` from ``[1, 2]`` and ``1`` from ``1.0`` or ``True``."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), _typed(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, value)


def test_a_version_2_save_loads_migrated(store: Store, tmp_path: Path) -> None:
    _version_2_database(store.paths.slot("two"), V2_MEMORY)
    store.npc_memory()[9]["before"] = "the load"
    info = store.saves.load("two")
    assert (info.schema_version, info.label) == (VERSION, "version 2 save")
    memory = store.npc_memory()
    assert len(memory) == len(V2_MEMORY)
    assert {slot: dict(memory.view(slot)) for slot in V2_MEMORY} == V2_MEMORY
    assert 9 not in memory
    assert store.story_state.read()["main"]["flags"] == {"met": True}


def test_a_version_2_save_with_a_value_that_does_not_decode_is_refused_naming_it(
    store: Store,
) -> None:
    path = store.paths.slot("two")
    _version_2_database(path, V2_MEMORY)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE npc_memory SET value = x'c1' WHERE slot = 3 AND key = 'coins'")
    conn.commit()
    conn.close()
    store.npc_memory()[9]["kept"] = True
    with pytest.raises(StoreError) as refused:
        store.saves.load("two")
    assert refused.value.kind == FaultKind.CORRUPT
    assert refused.value.fault.file == str(path)
    assert refused.value.fault.field == "slot 3 key 'coins'"
    assert store.npc_memory().view(9) == {"kept": True}  # nothing was replaced
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)  # the save untouched
    finally:
        conn.close()


def test_a_live_database_left_at_version_2_is_migrated_when_the_store_opens(
    save_root: Path,
) -> None:
    folder = save_root / "old"
    folder.mkdir(parents=True)
    _version_2_database(folder / "live.db", V2_MEMORY)
    with Store.open(save_root, "old") as store:
        memory = store.npc_memory()
        assert {slot: dict(memory.view(slot)) for slot in V2_MEMORY} == V2_MEMORY
        memory[3]["coins"] = 1
    with Store.open(save_root, "old") as store:
        assert store.npc_memory().view(3)["coins"] == 1
        assert store.npc_memory().view(0) == V2_MEMORY[0]


def test_a_live_database_at_version_2_whose_values_do_not_decode_is_named_at_open(
    save_root: Path,
) -> None:
    folder = save_root / "old"
    folder.mkdir(parents=True)
    live = folder / "live.db"
    _version_2_database(live, V2_MEMORY)
    conn = sqlite3.connect(live)
    conn.execute("UPDATE npc_memory SET value = x'c1' WHERE slot = 0")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as refused:
        Store.open(save_root, "old")
    assert refused.value.kind == FaultKind.CORRUPT
    assert (refused.value.fault.file, refused.value.fault.field) == (
        str(live),
        "slot 0 key 'greeted'",
    )
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)  # rolled back whole
    finally:
        conn.close()
