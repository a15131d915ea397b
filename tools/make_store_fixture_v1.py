"""Write tests/fixtures/store_v1.db: a save made by the store's schema version 1 (only
migration ``initial`` applied), holding known NPC memory and a story snapshot blob, so
tests/store/test_store_migrations.py can prove that a version-1 save loads into
today's schema.

Run from the repository root: ``.venv/bin/python tools/make_store_fixture_v1.py``. The
file is checked in; run this again only to remake it (the test's expectations are the
constants below, which the test imports).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import msgpack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine_bridge.store.encoding import encode  # noqa: E402 - after the path is set
from engine_bridge.store.schema import migrate  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "store_v1.db"
SLOT = "chapter_two"
PROFILE = "fixture"
SAVED_AT = 1_700_000_000.0
LABEL = "version 1 save"
MEMORY: dict[int, dict[str, object]] = {
    7: {"greeted": True, "pos": (1.5, -2.0), "gifts": ["bread", "ale"], "trust": 3},
    12: {"mood": "wary", "seen": {"player": 2, "thief": (4, 5)}},
}
STORY = {
    "aethelred": {
        "v": 1,
        "story": "The Fall of Aethelred",
        "flags": {"knows_of_ledger": True, "bribes": 2, "ally": "miller"},
        "completed": ["arrival", "the_paupers_field"],
        "counts": {"stock_for_the_cellar": 1},
    }
}


def main() -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.unlink(missing_ok=True)
    conn = sqlite3.connect(FIXTURE, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # a save is one file
        migrate(conn, FIXTURE, upto=1)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO save_info(id, slot, profile, saved_at, label) VALUES (1, ?, ?, ?, ?)",
            (SLOT, PROFILE, SAVED_AT, LABEL),
        )
        conn.executemany(
            "INSERT INTO npc_memory(slot, key, value) VALUES (?, ?, ?)",
            [
                (slot, key, encode(value))  # type: ignore[arg-type]
                for slot, memory in MEMORY.items()
                for key, value in memory.items()
            ],
        )
        conn.executemany(
            "INSERT INTO story_state(story, snapshot) VALUES (?, ?)",
            [(name, msgpack.packb(snapshot)) for name, snapshot in STORY.items()],
        )
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    print(f"wrote {FIXTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
