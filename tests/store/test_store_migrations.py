"""The schema is versioned with named migrations; a version-1 save (the checked-in
fixture, made by tools/make_store_fixture_v1.py) loads into today's schema."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
from pathlib import Path
from types import ModuleType

from sqlite_utils import Database

from engine_bridge.store import Store
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
