"""Story progress kept in the profile's database: flags, completed beats and event counts
per story, as rows (``stories``, ``story_flags``, ``story_beats``, ``story_counts``).

The store speaks the story system's own snapshot format
(:meth:`engine_bridge.content.story.StorySystem.snapshot`: per story name, ``{"v",
"story", "flags", "completed", "counts"}``) without importing it: :meth:`StoryState.write`
takes a snapshot and puts into the frame's batch only the rows that changed since the last
one (a flag set in a frame writes one row), and :meth:`StoryState.read` gives back the
snapshot to :meth:`~engine_bridge.content.story.StorySystem.restore` after a restart or a
load.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Mapping
from typing import Any

from engine_bridge.store.encoding import decode, encode
from engine_bridge.store.journal import Journal

__all__ = ["StoryState"]

_UPSERT_STORY = (
    "INSERT INTO stories(story, title, version) VALUES (?, ?, ?) "
    "ON CONFLICT(story) DO UPDATE SET title = excluded.title, version = excluded.version"
)
_UPSERT_FLAG = (
    "INSERT INTO story_flags(story, flag, value) VALUES (?, ?, ?) "
    "ON CONFLICT(story, flag) DO UPDATE SET value = excluded.value"
)
_DELETE_FLAG = "DELETE FROM story_flags WHERE story = ? AND flag = ?"
_INSERT_BEAT = "INSERT INTO story_beats(story, beat, position) VALUES (?, ?, ?)"
_DELETE_BEATS = "DELETE FROM story_beats WHERE story = ?"
_UPSERT_COUNT = (
    "INSERT INTO story_counts(story, beat, count) VALUES (?, ?, ?) "
    "ON CONFLICT(story, beat) DO UPDATE SET count = excluded.count"
)
_DELETE_COUNT = "DELETE FROM story_counts WHERE story = ? AND beat = ?"
_DELETE_STORY = tuple(
    f"DELETE FROM {table} WHERE story = ?"
    for table in ("stories", "story_flags", "story_beats", "story_counts")
)

Snapshot = dict[str, dict[str, Any]]


def read_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """The story snapshot the database at ``conn`` holds (``{}``: no story yet)."""
    stories: Snapshot = {}
    for name, title, version in conn.execute("SELECT story, title, version FROM stories"):
        stories[name] = {"v": version, "story": title, "flags": {}, "completed": [], "counts": {}}
    for name, flag, value in conn.execute("SELECT story, flag, value FROM story_flags"):
        stories[name]["flags"][flag] = decode(value)
    beats = conn.execute("SELECT story, beat FROM story_beats ORDER BY story, position")
    for name, beat in beats:
        stories[name]["completed"].append(beat)
    for name, beat, count in conn.execute("SELECT story, beat, count FROM story_counts"):
        stories[name]["counts"][beat] = count
    return stories


class StoryState:
    """The story progress of the profile: ``store.story_state``."""

    def __init__(self, journal: Journal, snapshot: Snapshot) -> None:
        self._journal = journal
        self._written: Snapshot = snapshot

    def read(self) -> Snapshot:
        """The last snapshot written (or loaded): a copy, for ``StorySystem.restore``."""
        return copy.deepcopy(self._written)

    def write(self, snapshot: Mapping[str, Mapping[str, Any]]) -> None:
        """Record ``snapshot`` (every story's state) in the frame's batch: only what
        differs from the last one written. A story missing from it is deleted.

        Raises:
            NotPlainDataError: a flag's value is not plain data (story flags are bool,
                int or str, so this is a bug in the caller).
        """
        batch = self._journal.batch
        for name in set(self._written) - set(snapshot):
            for statement in _DELETE_STORY:
                batch.add(statement, [(name,)])
            del self._written[name]
        for name, story in snapshot.items():
            old = self._written.get(name)
            if old is None or (old["story"], old["v"]) != (story["story"], story["v"]):
                batch.add(_UPSERT_STORY, [(name, story["story"], story["v"])])
            old_flags: Mapping[str, Any] = old["flags"] if old else {}
            old_done: list[str] = old["completed"] if old else []
            old_counts: Mapping[str, int] = old["counts"] if old else {}
            flags, done, counts = story["flags"], list(story["completed"]), story["counts"]
            batch.add(
                _UPSERT_FLAG,
                [
                    (name, flag, encode(value))
                    for flag, value in flags.items()
                    if flag not in old_flags
                    or old_flags[flag] != value
                    or type(old_flags[flag]) is not type(value)
                ],
            )
            batch.add(_DELETE_FLAG, [(name, flag) for flag in old_flags if flag not in flags])
            if done[: len(old_done)] != old_done:  # not a continuation (a restore): rewrite
                batch.add(_DELETE_BEATS, [(name,)])
                old_done = []
            batch.add(
                _INSERT_BEAT,
                [(name, beat, i) for i, beat in enumerate(done) if i >= len(old_done)],
            )
            batch.add(
                _UPSERT_COUNT,
                [(name, beat, n) for beat, n in counts.items() if old_counts.get(beat) != n],
            )
            batch.add(_DELETE_COUNT, [(name, beat) for beat in old_counts if beat not in counts])
            self._written[name] = {
                "v": story["v"],
                "story": story["story"],
                "flags": dict(flags),
                "completed": done,
                "counts": dict(counts),
            }

    def replace(self, snapshot: Snapshot) -> None:
        """Take ``snapshot`` as what is on disk (after a load)."""
        self._written = snapshot
