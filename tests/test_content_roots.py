"""Content roots layered over the shipped content, content for kinds the engine never heard
of, and content systems that never vanish silently (engine_bridge.content.layers,
engine_bridge.content.systems)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from content_files import write
from new_kind_project import (
    LAMPLIGHTER_DIALOGUE,
    LAMPLIGHTER_LORE,
    LAMPLIGHTER_STORY,
    lamplighter_project,
)

from engine_bridge.content.dialogue import DialogueTables
from engine_bridge.content.knowledge import KnowledgeBase
from engine_bridge.content.layers import ContentError
from engine_bridge.content.story import StoryBook
from engine_bridge.content.systems import ContentSystems
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"

# -- a new kind, with content of its own -------------------------------------------------


def test_a_new_kind_uses_its_own_dialogue_lore_and_story_in_the_sandbox(tmp_path: Path) -> None:
    scripts, content = lamplighter_project(tmp_path)
    box = Sandbox(script_dirs=[scripts], content_roots=[content])
    try:
        box.spawn("lamplighter")
        commands = box.step(2)
    finally:
        box.close()
    assert [c["type"] for c in commands] == ["emote", "move_to", "say"]
    assert commands[2]["text"] == "The lamps are lit, Edwin. Walk in the light."
    assert box.runtime.content.off == {}
    assert box.runtime.content.errors == []


def test_a_table_for_a_new_kind_loads_and_leaves_the_shipped_tables_alone(tmp_path: Path) -> None:
    write(tmp_path, "dialogue/lamplighter.toml", LAMPLIGHTER_DIALOGUE)
    tables = DialogueTables.load(CONTENT, tmp_path)
    assert tables.errors == ()
    assert "lamplighter" in tables.kinds()
    assert {"aethelred", "ghoul"} <= tables.kinds()
    line = tables.choose("lamplighter", "greeting", flags={"lamps_lit"}, variables={"player": "E"})
    assert line is not None
    assert line.id == "lamplighter_greeting"


def test_lore_known_by_a_new_kind_is_found_only_by_that_kind(tmp_path: Path) -> None:
    write(tmp_path, "lore/lamplighter.toml", LAMPLIGHTER_LORE)
    with KnowledgeBase.open(":memory:", CONTENT, tmp_path) as kb:
        assert kb.errors == ()
        assert kb.search("lantern oil", known_by="lamplighter")[0].id == "lamplighters_oil"
        assert "lamplighters_oil" not in [h.id for h in kb.search("lantern oil", known_by="ghoul")]
        assert kb.search("ledger")[0].id == "the_black_ledger"  # the shipped lore is still in


# -- layering: a later root replaces a file of the same path, adds the others -------------


def test_a_later_roots_table_replaces_the_same_kinds_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        "dialogue/ghoul.toml",
        '[[line]]\nid = "ghoul_only_line"\ntopic = "greeting"\ntext = "Only this."\n',
    )
    tables = DialogueTables.load(CONTENT, tmp_path)
    assert tables.topics("ghoul") == {"greeting"}
    assert tables.choose("ghoul", "greeting").text == "Only this."
    # The shipped French ghoul lines named the replaced table's ids: their file is left out.
    assert [e.file.name for e in tables.errors] == ["ghoul.toml"]
    assert tables.errors[0].file.parent.name == "fr"
    assert len(tables.topics("vampire")) >= 6  # other kinds keep the shipped tables


def test_a_later_roots_lore_file_replaces_the_file_of_that_name(tmp_path: Path) -> None:
    write(tmp_path, "lore/broker.toml", LAMPLIGHTER_LORE)
    with KnowledgeBase.open(":memory:", CONTENT, tmp_path) as kb:
        assert kb.get("the_black_ledger") is None  # it lived in the shipped broker.toml
        assert kb.get("lamplighters_oil") is not None
        assert kb.get("crypt_of_st_wulfric") is not None  # another shipped file


def test_every_story_file_of_every_root_loads(tmp_path: Path) -> None:
    write(tmp_path, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    book = StoryBook.load(CONTENT, tmp_path)
    assert book.errors == ()
    assert set(book.stories) == {"aethelred", "lamplighter"}
    assert book.flag("lamps_lit") is False
    assert book.flag("met_broker") is False
    assert book.complete("light_the_lamps") == {"lamps_lit": True}
    assert book.flags["lamps_lit"] is True
    assert "light_the_lamps" in book.completed
    with pytest.raises(KeyError, match="no flag 'lamps_lot'"):
        book.flag("lamps_lot")


def test_a_story_reusing_a_flag_of_another_story_is_left_out_alone(tmp_path: Path) -> None:
    clash = LAMPLIGHTER_STORY.replace("lamps_lit", "met_broker")
    path = write(tmp_path, "story/lamplighter.toml", clash)
    book = StoryBook.load(CONTENT, tmp_path)
    assert set(book.stories) == {"aethelred"}
    [error] = book.errors
    assert (error.file, error.field) == (path, "flags.met_broker")


def test_voice_line_manifests_merge_by_line_id(tmp_path: Path) -> None:
    write(
        tmp_path,
        "voice_lines/lines.toml",
        'sample_rate = 22050\n\n[[line]]\nid = "broker_greeting"\ntext = "Evening."\n'
        'speaker = "aethelred"\nvoice = "en"\nspeed = 140\npitch = 40\n\n'
        '[[line]]\nid = "lamplighter_hello"\ntext = "Evening, all."\n'
        'speaker = "lamplighter"\nvoice = "en"\nspeed = 140\npitch = 40\n',
    )
    systems = ContentSystems([CONTENT, tmp_path])
    try:
        assert systems.lines["broker_greeting"].text == "Evening."  # replaced by id
        assert systems.lines["lamplighter_hello"].speaker == "lamplighter"  # added
        assert "vampire_invitation" in systems.lines  # kept
    finally:
        systems.close()


# -- one broken file disables only itself --------------------------------------------------


def test_a_broken_table_disables_only_itself_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = write(
        tmp_path, "dialogue/lamplighter.toml", '[[line]]\nid = "x"\ntopic = "greeting"\n'
    )
    with caplog.at_level(logging.ERROR, logger="aicore.content"):
        systems = ContentSystems([CONTENT, tmp_path])
    try:
        assert systems.off == {}
        [error] = systems.errors
        assert isinstance(error, ContentError)
        assert (error.file, error.field) == (broken, "text")
        assert systems.dialogue is not None
        assert systems.dialogue.choose("ghoul", "greeting") is not None  # others still talk
        logged = [r for r in caplog.records if str(broken) in r.getMessage()]
        assert len(logged) == 1
    finally:
        systems.close()


# -- no system vanishes silently -------------------------------------------------------------


def test_a_system_that_cannot_start_is_recorded_with_its_reason_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with caplog.at_level(logging.ERROR, logger="aicore.content"):
        systems = ContentSystems([empty])
    assert set(systems.off) == {"voice_lines", "dialogue", "story", "knowledge"}
    assert "lore" in systems.off["knowledge"]
    assert "dialogue" in systems.off["dialogue"]
    for name in systems.off:
        assert sum(f"{name} is off" in r.getMessage() for r in caplog.records) == 1
    problems = systems.problems()
    assert {(system, file) for system, file, *_ in problems} == {
        (name, None) for name in ("voice_lines", "dialogue", "story", "knowledge")
    }


def _tables(database: Path) -> set[str]:
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


def test_the_runtime_builds_the_lore_index_in_the_profile_s_store_and_rebuilds_it_on_change(
    tmp_path: Path,
) -> None:
    content = Path(shutil.copytree(CONTENT / "lore", tmp_path / "content" / "lore")).parent
    save = tmp_path / "save"
    first = Runtime(World.allocate(4), content_root=content, save_dir=save, watch=False)
    try:
        assert first.scheduler.knowledge is not None
        assert first.scheduler.knowledge.rebuilt
        live = save / "default" / "live.db"
        assert {"lore_entry", "lore_fts", "lore_meta", "npc_memory"} <= _tables(live)
        assert sorted(p.name for p in save.iterdir()) == ["default"]  # no file of its own
        # A save is the play-through alone: the index (derived from the content) is not in it.
        first.save("one")
        saved = _tables(save / "default" / "slots" / "one.db")
        assert "npc_memory" in saved
        assert not {t for t in saved if t.startswith("lore")}
        first.load("one")
        assert first.scheduler.knowledge.search("crypt")  # still searchable after a load
    finally:
        first.close()
        first.content.close()
    write(content, "lore/lamplighter.toml", LAMPLIGHTER_LORE)
    second = Runtime(World.allocate(4), content_root=content, save_dir=save, watch=False)
    try:
        kb = second.scheduler.knowledge
        assert kb is not None
        assert kb.rebuilt  # the lore changed: the stored hash no longer matched
        assert kb.search("lantern oil")[0].id == "lamplighters_oil"
    finally:
        second.close()
        second.content.close()
    third = Runtime(World.allocate(4), content_root=content, save_dir=save, watch=False)
    try:
        assert third.scheduler.knowledge is not None
        assert not third.scheduler.knowledge.rebuilt
    finally:
        third.close()
        third.content.close()


def test_a_story_book_saves_and_restores_each_story_and_feeds_events_to_all(
    tmp_path: Path,
) -> None:
    write(tmp_path, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    book = StoryBook.load(CONTENT, tmp_path)
    book.complete("light_the_lamps")
    assert book.observe({"v": 1, "type": "player_seen"}, kind="aethelred") != []
    saved = book.snapshot()
    assert set(saved) == {"aethelred", "lamplighter"}
    fresh = StoryBook.load(CONTENT, tmp_path)
    fresh.restore(saved)
    assert fresh.completed == book.completed
    assert fresh.flags == book.flags
    with pytest.raises(ValueError, match="names no loaded story 'gone'"):
        fresh.restore({**saved, "gone": saved["lamplighter"]})


def test_a_runtime_given_no_content_root_plays_the_shipped_content() -> None:
    # The C ABI's NULL content_root: the one place that finds content/ (vocal.content).
    from engine_bridge.core.runtime import Runtime
    from engine_bridge.core.world import World

    runtime = Runtime(World.allocate(4), watch=False)
    try:
        assert runtime.content_roots == (REPO / "content",)
        assert runtime.content.story is not None
    finally:
        runtime.close()
