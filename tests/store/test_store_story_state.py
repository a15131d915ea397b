"""Story progress in the store: the shipped story's snapshot goes in and comes back,
and a frame writes only the rows that changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine_bridge.content.story import StoryBook
from engine_bridge.store import Store

CONTENT = Path(__file__).resolve().parents[2] / "content"


def test_the_shipped_story_restores_from_what_the_store_kept_across_a_restart(
    store: Store, reopen: Callable[[Store], Store]
) -> None:
    book = StoryBook.load(CONTENT)
    book.set_flag("knows_of_ledger", True)
    book.set_flag("wraith_name", "Eadric")
    store.story_state.write(book.snapshot())
    store.flush()
    store = reopen(store)
    try:
        fresh = StoryBook.load(CONTENT)
        fresh.restore(store.story_state.read())
        assert fresh.snapshot() == book.snapshot()
        assert fresh.flag("wraith_name") == "Eadric"
    finally:
        store.close()


def _rows_of_frame(store: Store, snapshot: dict[str, dict[str, object]]) -> int:
    before = store.metrics.rows_written
    store.story_state.write(snapshot)
    store.flush()
    assert store.wait_committed(timeout=30)
    return store.metrics.rows_written - before


def test_a_frame_writes_only_what_changed(store: Store) -> None:
    story = {
        "v": 1,
        "story": "S",
        "flags": {"a": False, "b": 0},
        "completed": ["one"],
        "counts": {"two": 1},
    }
    assert _rows_of_frame(store, {"s": story}) == 5  # the story, 2 flags, 1 beat, 1 count
    assert _rows_of_frame(store, {"s": story}) == 0
    story = {**story, "flags": {"a": True, "b": 0}}
    assert _rows_of_frame(store, {"s": story}) == 1
    story = {**story, "completed": ["one", "two"], "counts": {}}
    assert _rows_of_frame(store, {"s": story}) == 2  # a beat added, a count removed
    story = {**story, "completed": ["two"]}  # not a continuation (a restore): rewritten
    assert _rows_of_frame(store, {"s": story}) == 2
    assert store.story_state.read() == {"s": story}
    assert _rows_of_frame(store, {}) == 4  # the story removed: each table's rows
    assert store.story_state.read() == {}
