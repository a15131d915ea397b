"""The shared content-field readers (vocal.content_fields, vocal.toml_layout): every kind
of field error each content loader reports — story, dialogue, lore and voice lines —
carries the file, the field, the id of the table it is in and the line it is on, found
from the TOML text's structure."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from engine_bridge.content.dialogue import DialogueTables
from engine_bridge.content.knowledge import KnowledgeBase
from engine_bridge.content.layers import ContentError
from engine_bridge.content.story import Story, StoryBook
from vocal.content_fields import ContentError as VocalContentError
from vocal.toml_layout import TomlLayout
from vocal.voice_lines import MANIFEST_PATH, load_manifest

# -- where keys are written ----------------------------------------------------------------

LAYOUT = '''title = "x"
[flags]
lit = false
"quoted key" = 1

[[beat]]
id = "a"
text = """
[[beat]]
id = "not a beat: inside a string"
"""
requires = [
  "x",
  "[y]",  # a comment
]
[beat.trigger]
count = 2
[[beat]]
id = "b"
sets.lit = true
'''


def test_the_layout_places_headers_keys_and_sub_tables_by_structure() -> None:
    tomllib.loads(LAYOUT)  # the layout is read only from valid TOML
    layout = TomlLayout(LAYOUT)
    assert layout.line_of(("title",)) == 1
    assert layout.line_of(("flags",)) == 2
    assert layout.line_of(("flags", "lit")) == 3
    assert layout.line_of(("flags", "quoted key")) == 4
    assert layout.line_of(("beat", 0)) == 6
    assert layout.line_of(("beat", 0, "id")) == 7
    assert layout.line_of(("beat", 0, "text")) == 8
    assert layout.line_of(("beat", 0, "requires")) == 12
    assert layout.line_of(("beat", 0, "trigger")) == 16
    assert layout.line_of(("beat", 0, "trigger", "count")) == 17
    assert layout.line_of(("beat", 1)) == 18
    assert layout.line_of(("beat", 1, "sets", "lit")) == 20


def test_a_key_not_written_is_placed_at_its_table() -> None:
    layout = TomlLayout(LAYOUT)
    assert layout.line_of(("beat", 1, "title")) == 19  # the table's id line
    assert layout.line_of(("beat", 0, "trigger", "event")) == 16  # its header
    assert layout.line_of(("flags", "unlit")) == 2
    assert layout.line_of(("ending",)) is None  # a top-level key has no table to point at


def test_the_content_room_and_vocal_share_one_error_type() -> None:
    assert ContentError is VocalContentError


# -- every loader's errors, located ----------------------------------------------------------

MARK = "# <-"


def _marked(text: str) -> int:
    """The line marked ``# <-`` (where the error must point)."""
    [line] = [i for i, t in enumerate(text.splitlines(), start=1) if t.rstrip().endswith(MARK)]
    return line


STORY = """title = "The Sexton's Night"
ending = "rest"
kinds = ["ghoul"]

[flags]
lantern_lit = false
graves_dug = 0

[[quest]]
id = "night"
title = "The Night"
summary = "One night's work."

[[beat]]
id = "dig"
quest = "night"
title = "Dig"
summary = "Dig two graves."
trigger = {event = "custom", name = "grave_opened", count = 2}
sets = {graves_dug = 2}

[[beat]]
id = "rest"
quest = "night"
title = "Rest"
summary = "Sleep at last."
requires = ["dig"]
trigger = {manual = true}
"""

# (what is changed, into what, the field, the table id); the new text marks the line.
STORY_CASES = [
    ('title = "Dig"\n', "", "title", "dig", 'id = "dig"'),  # required
    ('title = "Dig"\n', 'title = "Dig"\ncolour = "red" # <-\n', "colour", "dig", None),  # unknown
    ('title = "The Night"', 'title = 3 # <-', "title", "night", None),  # a string
    ('requires = ["dig"]', 'requires = "dig" # <-', "requires", "rest", None),  # a list
    ("count = 2}", "count = 0} # <-", "trigger.count", "dig", None),  # an integer in range
    ("graves_dug = 0", "graves_dug = 0.5 # <-", "flags.graves_dug", None, None),  # a sub-table
    ('sets = {graves_dug = 2}', 'sets = {graves_dug = "2"} # <-', "sets.graves_dug", "dig", None),
    ('requires = ["dig"]', 'requires = ["dug"] # <-', "requires", "rest", None),  # a reference
    ('id = "rest"', 'id = "dig" # <-', "id", "dig", None),  # a repeated id
    ('quest = "night"\ntitle = "Dig"', 'quest = "night"\nrequires = ["rest"] # <-\ntitle = "Dig"',
     "requires", "dig", None),  # a cycle
    ('ending = "rest"', 'ending = "sleep" # <-', "ending", None, None),  # top level
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "field", "table_id", "at"), STORY_CASES)
def test_a_story_error_names_its_file_field_table_and_line(
    tmp_path: Path, old: str, new: str, field: str, table_id: str | None, at: str | None
) -> None:
    assert old in STORY
    text = STORY.replace(old, new, 1)
    path = tmp_path / "night.toml"
    path.write_text(text)
    with pytest.raises(ContentError) as caught:
        Story.load(path)
    error = caught.value
    expected_line = _line_with(text, at) if at else _marked(text)
    assert (error.file, error.field, error.table_id, error.line) == (
        path,
        field,
        table_id,
        expected_line,
    ), error.reason


def _line_with(text: str, fragment: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), start=1) if fragment in t)


def test_a_story_that_is_not_toml_carries_tomllib_s_line(tmp_path: Path) -> None:
    path = tmp_path / "night.toml"
    path.write_text(STORY + "\n[[beat]\n")
    with pytest.raises(ContentError) as caught:
        Story.load(path)
    assert caught.value.line == len(STORY.splitlines()) + 2
    assert caught.value.field is None


DIALOGUE = """[[line]]
id = "ghoul_first"
topic = "greeting"
text = "At the gate."

[[line]]
id = "ghoul_second"
topic = "greeting"
text = "Again."
"""

DIALOGUE_CASES = [
    ('text = "Again."\n', "", "text", "ghoul_second", 'id = "ghoul_second"'),
    ('text = "Again."', 'text = "Again."\nseason = "winter" # <-', "season", "ghoul_second", None),
    ('text = "Again."', "text = 7 # <-", "text", "ghoul_second", None),
    ('text = "Again."', 'text = "Again."\nmood = "hungry" # <-', "mood", "ghoul_second", None),
    ('text = "Again."', 'text = "Again."\nweight = 0 # <-', "weight", "ghoul_second", None),
    (
        'text = "Again."',
        'text = "Again."\nmemory = { n = { min = 5, max = 1 } } # <-',
        "memory.n",
        "ghoul_second",
        None,
    ),
    ('"ghoul_second"', '"ghoul_first" # <-', "id", "ghoul_first", None),
]


@pytest.mark.parametrize(("old", "new", "field", "table_id", "at"), DIALOGUE_CASES)
def test_a_dialogue_error_names_its_file_field_table_and_line(
    tmp_path: Path, old: str, new: str, field: str, table_id: str, at: str | None
) -> None:
    assert old in DIALOGUE
    text = DIALOGUE.replace(old, new, 1)
    path = tmp_path / "dialogue" / "ghoul.toml"
    path.parent.mkdir()
    path.write_text(text)
    [error] = DialogueTables.load(tmp_path).errors
    expected_line = _line_with(text, at) if at else _marked(text)
    assert (error.file, error.field, error.table_id, error.line) == (
        path,
        field,
        table_id,
        expected_line,
    ), error.reason


def test_a_translation_error_is_at_its_key(tmp_path: Path) -> None:
    (tmp_path / "dialogue" / "locale" / "fr").mkdir(parents=True)
    (tmp_path / "dialogue" / "ghoul.toml").write_text(DIALOGUE)
    path = tmp_path / "dialogue" / "locale" / "fr" / "ghoul.toml"
    path.write_text('ghoul_first = "A la porte."\n\nghoul_second = 3\n')
    [error] = DialogueTables.load(tmp_path).errors
    assert (error.file, error.field, error.table_id, error.line) == (
        path,
        "ghoul_second",
        None,
        3,
    )


LORE = """[[entry]]
id = "curfew"
title = "The curfew bell"
tags = ["bell"]
text = "Nine strokes at sunset."
"""

LORE_CASES = [
    ('title = "The curfew bell"\n', "", "title", "curfew", 'id = "curfew"'),
    ('tags = ["bell"]', 'tags = ["bell"]\nauthor = "Marle" # <-', "author", "curfew", None),
    ('tags = ["bell"]', 'tags = "bell" # <-', "tags", "curfew", None),
    ('tags = ["bell"]', 'tags = ["bell"]\nknown_by = ["Priest"] # <-', "known_by", "curfew", None),
    ('text = "Nine strokes at sunset."', "text = 9 # <-", "text", "curfew", None),
]


@pytest.mark.parametrize(("old", "new", "field", "table_id", "at"), LORE_CASES)
def test_a_lore_error_names_its_file_field_table_and_line(
    tmp_path: Path, old: str, new: str, field: str, table_id: str, at: str | None
) -> None:
    text = (LORE + "\n" + LORE.replace("curfew", "vigil")).replace(old, new, 1)
    path = tmp_path / "lore" / "town.toml"
    path.parent.mkdir()
    path.write_text(text)
    with KnowledgeBase.open(":memory:", tmp_path) as kb:
        [error] = kb.errors
    expected_line = _line_with(text, at) if at else _marked(text)
    assert (error.file, error.field, error.table_id, error.line) == (
        path,
        field,
        table_id,
        expected_line,
    ), error.reason


MANIFEST = """sample_rate = 22050

[[line]]
id = "ghoul_hunger"
text = "Bring me the fresh ones."
speaker = "ghoul"
voice = "en+m3"
speed = 140
pitch = 25
"""

MANIFEST_CASES = [
    ('text = "Bring me the fresh ones."\n', "", "text", "ghoul_hunger", 'id = "ghoul_hunger"'),
    ("pitch = 25", "pitch = 25\npich = 3 # <-", "pich", "ghoul_hunger", None),
    ("pitch = 25", "pitch = 140 # <-", "pitch", "ghoul_hunger", None),
    ('speaker = "ghoul"', 'speaker = "Ghoul" # <-', "speaker", "ghoul_hunger", None),
    ("pitch = 25", 'pitch = 25\nfile = "../../out.wav" # <-', "file", "ghoul_hunger", None),
    ("sample_rate = 22050", "sample_rate = 0 # <-", "sample_rate", None, None),
]


@pytest.mark.parametrize(("old", "new", "field", "table_id", "at"), MANIFEST_CASES)
def test_a_voice_line_error_names_its_file_field_table_and_line(
    tmp_path: Path, old: str, new: str, field: str, table_id: str | None, at: str | None
) -> None:
    text = MANIFEST.replace(old, new, 1)
    path = tmp_path / MANIFEST_PATH
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ContentError) as caught:
        load_manifest(tmp_path)
    error = caught.value
    expected_line = _line_with(text, at) if at else _marked(text)
    assert (error.file, error.field, error.table_id, error.line) == (
        path.resolve(),
        field,
        table_id,
        expected_line,
    ), error.reason


def test_a_name_another_story_already_took_is_located_in_the_later_story(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "story", tmp_path / "b" / "story"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    (first / "early.toml").write_text(STORY)  # files load in name order
    clash = (
        STORY.replace("lantern_lit", "lamp")
        .replace("graves_dug", "graves")
        .replace('"night"', '"day"')
    )
    clash = clash.replace('id = "dig"', 'id = "dig" # <-')
    path = second / "later.toml"
    path.write_text(clash)
    book = StoryBook.load(tmp_path / "a", tmp_path / "b")
    [error] = book.errors
    assert (error.file, error.field, error.table_id, error.line) == (
        path.resolve(),
        "id",
        "dig",
        _marked(clash),
    ), error.reason
