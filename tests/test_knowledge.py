"""The lore index: content/lore/*.toml searched through SQLite FTS5 with bm25."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from content_files import write
from shipped_game import CONTENT, shipped_kinds

from engine_bridge.content.knowledge import LORE_DIR, KnowledgeBase, LoreHit, load_lore

NPC_KINDS = shipped_kinds()

SMALL_LORE = '''
[[entry]]
id = "werewolf_moons"
title = "The werewolf's moons"
tags = ["werewolf", "moon"]
text = """
The werewolf changes on the three nights of the full moon. Silver wounds the werewolf,
and the werewolf hunts from the tree line.
"""
known_by = ["werewolf", "aethelred"]

[[entry]]
id = "the_mill"
title = "The mill on the Harrow brook"
tags = ["mill"]
text = """
The miller's son went out on a full moon night and never came home. Some say a werewolf
took him; the miller says he ran away to sea.
"""

[[entry]]
id = "the_black_ledger"
title = "The black ledger"
tags = ["ledger"]
text = "Aethelred writes every body he buys and sells in a black calfskin ledger."
known_by = ["aethelred"]
'''


def _write_lore(content_root: Path, text: str = SMALL_LORE, name: str = "lore.toml") -> Path:
    return write(content_root / LORE_DIR, name, text)


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    _write_lore(root)
    return root


@pytest.fixture
def knowledge(tmp_path: Path, content_root: Path) -> Iterator[KnowledgeBase]:
    with KnowledgeBase.open(tmp_path / "lore.sqlite", content_root) as kb:
        yield kb


def test_bm25_ranks_the_entry_about_a_term_above_one_that_merely_mentions_it(
    knowledge: KnowledgeBase,
) -> None:
    hits = knowledge.search("werewolf")
    assert [hit.id for hit in hits] == ["werewolf_moons", "the_mill"]
    assert hits[0].score > hits[1].score > 0


def test_a_title_match_outranks_the_same_word_in_the_text(tmp_path: Path) -> None:
    root = tmp_path / "content"
    _write_lore(
        root,
        """
[[entry]]
id = "in_the_title"
title = "The crypt"
tags = []
text = "A low vaulted hall of Saxon stone under the church."

[[entry]]
id = "in_the_text"
title = "The sexton"
tags = []
text = "He keeps the key to the crypt."
""",
    )
    with KnowledgeBase.open(tmp_path / "lore.sqlite", root) as kb:
        assert [hit.id for hit in kb.search("crypt")] == ["in_the_title", "in_the_text"]


def test_snippets_mark_the_matched_words(knowledge: KnowledgeBase) -> None:
    hit = knowledge.search("ledger")[0]
    assert hit == LoreHit(
        id="the_black_ledger", title="The black ledger", snippet=hit.snippet, score=hit.score
    )
    assert "[ledger]" in hit.snippet
    # Porter stemming: "moons" finds "moon", and the word found is the one marked.
    assert "[moon]" in knowledge.search("moons")[0].snippet


def test_a_snippet_is_one_line_from_the_text_or_else_the_title_or_tags(
    knowledge: KnowledgeBase,
) -> None:
    # The mill's text runs over two lines; its snippet does not.
    assert "\n" not in knowledge.search("sea")[0].snippet
    assert knowledge.search("brook")[0].snippet == "The mill on the Harrow [brook]"
    assert knowledge.search("moon")[0].snippet.count("[moon]") >= 1
    entry_by_tag = knowledge.search("mill")[0]
    assert entry_by_tag.id == "the_mill"


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "AND OR (", "NEAR(", "title:", "*", "werewolf)", '""', "^moon", "a - b"],
)
def test_fts5_syntax_in_a_query_is_read_as_plain_words_and_never_raises(
    knowledge: KnowledgeBase, query: str
) -> None:
    assert isinstance(knowledge.search(query), list)


def test_operators_and_quotes_around_a_word_still_find_it(knowledge: KnowledgeBase) -> None:
    assert knowledge.search('"ledger')[0].id == "the_black_ledger"
    assert knowledge.search("ledger AND (")[0].id == "the_black_ledger"


@pytest.mark.parametrize("query", ["", "   ", '"()*:^'])
def test_a_query_without_words_finds_nothing(knowledge: KnowledgeBase, query: str) -> None:
    assert knowledge.search(query) == []


def test_known_by_keeps_common_knowledge_and_what_that_kind_knows(
    knowledge: KnowledgeBase,
) -> None:
    assert [h.id for h in knowledge.search("werewolf", known_by="werewolf")] == [
        "werewolf_moons",
        "the_mill",
    ]
    # The mill is common knowledge; the werewolf's own entry is not the townsfolk's.
    assert [h.id for h in knowledge.search("werewolf", known_by="townsfolk")] == ["the_mill"]
    assert knowledge.search("ledger", known_by="ghoul") == []
    assert [h.id for h in knowledge.search("ledger", known_by="aethelred")] == ["the_black_ledger"]


def test_limit_caps_the_hits(knowledge: KnowledgeBase) -> None:
    assert len(knowledge.search("werewolf moon ledger", limit=1)) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [({"limit": 0}, "limit"), ({"limit": True}, "limit"), ({"known_by": "Priest!"}, "known_by")],
)
def test_bad_search_options_are_rejected(
    knowledge: KnowledgeBase, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        knowledge.search("moon", **options)


def test_get_returns_the_whole_entry(knowledge: KnowledgeBase, content_root: Path) -> None:
    entry = knowledge.get("werewolf_moons")
    assert entry is not None
    assert entry.title == "The werewolf's moons"
    assert entry.tags == ("werewolf", "moon")
    assert entry.text.startswith("The werewolf changes")
    assert entry.known_by == frozenset({"werewolf", "aethelred"})
    assert entry.source == (content_root / LORE_DIR / "lore.toml").resolve()
    assert knowledge.get("the_mill").known_by is None
    assert knowledge.get("no_such_entry") is None


def test_reopening_unchanged_lore_keeps_the_index_and_an_edit_rebuilds_it(
    tmp_path: Path, content_root: Path
) -> None:
    db = tmp_path / "lore.sqlite"
    with KnowledgeBase.open(db, content_root) as kb:
        assert kb.rebuilt
    with KnowledgeBase.open(db, content_root) as kb:
        assert not kb.rebuilt
        assert kb.search("ledger")[0].id == "the_black_ledger"

    lore = content_root / LORE_DIR / "lore.toml"
    lore.write_text(lore.read_text().replace("calfskin ledger", "calfskin book"))
    with KnowledgeBase.open(db, content_root) as kb:
        assert kb.rebuilt
        assert "[calfskin]" in kb.search("calfskin")[0].snippet
        assert kb.search("ledger")[0].id == "the_black_ledger"  # still in its title
    with KnowledgeBase.open(db, content_root) as kb:
        assert not kb.rebuilt

    _write_lore(
        content_root,
        '[[entry]]\nid = "curfew"\ntitle = "The curfew bell"\ntags = []\ntext = "Nine strokes."\n',
        name="town.toml",
    )
    with KnowledgeBase.open(db, content_root) as kb:
        assert kb.rebuilt
        assert [h.id for h in kb.search("curfew")] == ["curfew"]


def test_an_in_memory_index_is_built_on_open(content_root: Path) -> None:
    with KnowledgeBase.open(":memory:", content_root) as kb:
        assert kb.rebuilt
        assert kb.search("ledger")[0].id == "the_black_ledger"


def test_a_broken_file_is_left_out_and_the_other_files_are_indexed(
    tmp_path: Path, content_root: Path
) -> None:
    db = tmp_path / "lore.sqlite"
    _write_lore(content_root, GOOD_ENTRY, name="curfew.toml")
    KnowledgeBase.open(db, content_root).close()
    lore = _write_lore(content_root, SMALL_LORE.replace('title = "The black ledger"\n', ""))
    with KnowledgeBase.open(db, content_root) as kb:
        assert kb.rebuilt
        [error] = kb.errors
        assert (error.file, error.field) == (lore.resolve(), "title")
        assert kb.search("ledger") == []
        assert [h.id for h in kb.search("curfew")] == ["curfew"]
    lore.write_text(SMALL_LORE)
    with KnowledgeBase.open(db, content_root) as kb:
        assert kb.rebuilt
        assert kb.errors == ()
        assert kb.search("ledger")[0].id == "the_black_ledger"


GOOD_ENTRY = """
[[entry]]
id = "curfew"
title = "The curfew bell"
tags = ["bell"]
text = "Nine strokes at sunset."
"""


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("not = [valid", "not valid UTF-8 TOML"),
        ("entry = 3", "'entry'"),
        ('title = "stray"\n' + GOOD_ENTRY, "'title'"),
        (GOOD_ENTRY.replace('id = "curfew"', 'id = "Curfew Bell"'), "'id'"),
        (GOOD_ENTRY.replace('title = "The curfew bell"\n', ""), "'title' is missing"),
        (GOOD_ENTRY.replace('tags = ["bell"]', 'tags = "bell"'), "'tags'"),
        (GOOD_ENTRY.replace('text = "Nine strokes at sunset."', "text = 9"), "'text'"),
        (GOOD_ENTRY + 'known_by = ["Priest"]\n', "'known_by'"),
        (GOOD_ENTRY + "known_by = []\n", "'known_by'"),
        (GOOD_ENTRY + 'author = "Marle"\n', "unknown field 'author'"),
        (GOOD_ENTRY + GOOD_ENTRY, "'id' repeats"),
    ],
)
def test_a_broken_lore_file_is_reported_with_its_file_and_field(
    tmp_path: Path, text: str, field: str
) -> None:
    root = tmp_path / "content"
    path = _write_lore(root, text, name="broken.toml")
    _write_lore(root, GOOD_ENTRY.replace("curfew", "vigil"), name="good.toml")
    with KnowledgeBase.open(tmp_path / "lore.sqlite", root) as kb:
        [error] = kb.errors
        assert [h.id for h in kb.search("vigil")] == ["vigil"]  # the rest is indexed
    assert re.search(field, error.reason)
    assert error.file == path.resolve()
    if "'" in field:
        assert error.field == re.search(r"'([a-z_]+)'", field).group(1)


def test_an_id_repeated_in_another_file_names_both_files(tmp_path: Path) -> None:
    root = tmp_path / "content"
    first = _write_lore(root, GOOD_ENTRY, name="a.toml")
    second = _write_lore(root, GOOD_ENTRY, name="b.toml")
    with pytest.raises(ValueError, match="'id' repeats") as caught:
        load_lore(root)
    assert str(second.resolve()) in str(caught.value)
    assert str(first.resolve()) in str(caught.value)


def test_a_content_root_without_lore_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="lore"):
        KnowledgeBase.open(tmp_path / "lore.sqlite", tmp_path)


def test_a_lore_file_linked_from_outside_the_content_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text(GOOD_ENTRY)
    root = tmp_path / "content"
    (root / LORE_DIR).mkdir(parents=True)
    (root / LORE_DIR / "linked.toml").symlink_to(outside)
    with pytest.raises(ValueError, match="outside the content root"):
        load_lore(root)


def test_the_shipped_lore_loads_with_at_least_24_entries_every_kind_knows_something() -> None:
    entries = load_lore(CONTENT)
    assert len(entries) >= 24
    for kind in NPC_KINDS:
        assert any(entry.known_by and kind in entry.known_by for entry in entries), kind
    assert any(entry.known_by is None for entry in entries)


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("ledger", "the_black_ledger"),
        ("the crypt under St. Wulfric's", "crypt_of_st_wulfric"),
        ("Covenant", "covenant_of_the_vampires"),
        ("ghoul bargain", "ghoul_bargain"),
        ("werewolf moons", "werewolf_moons"),
        ("what do the wraiths remember", "wraith_memories"),
        ("resurrection men", "resurrection_men"),
        ("price of a body", "prices_of_bodies"),
        ("what does Harrowgate fear", "fears_of_harrowgate"),
    ],
)
def test_the_shipped_lore_answers_the_obvious_question_first(
    tmp_path: Path, query: str, best: str
) -> None:
    with KnowledgeBase.open(tmp_path / "lore.sqlite", CONTENT) as kb:
        assert kb.search(query)[0].id == best
