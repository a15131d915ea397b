"""Dialogue tables: content/dialogue/<kind>.toml, their conditions and their translations."""

from __future__ import annotations

import logging
import random
import re
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from content_files import write
from shipped_game import CONTENT, shipped_kinds

from engine_bridge.content.dialogue import DIALOGUE_DIR, DialogueLine, DialogueTables
from engine_bridge.content.layers import ContentError
from vocal.voice_lines import MANIFEST_PATH, load_manifest

NPC_KINDS = shipped_kinds()

GHOUL_TABLE = """
[[line]]
id = "ghoul_greeting"
topic = "greeting"
text = "Living thing at the gate, {player}."

[[line]]
id = "ghoul_bargain_gate"
topic = "bargain"
text = "Leave the body at the gate, and I will leave you be."
voice_line = "ghoul_bargain"
weight = 3

[[line]]
id = "ghoul_bargain_price"
topic = "bargain"
text = "{price} teeth, {player}. The count is owed in teeth."
weight = 1

[[line]]
id = "ghoul_threat_hungry"
topic = "threat"
text = "So hungry."
mood = ["hungry", "angry"]

[[line]]
id = "ghoul_threat_broken"
topic = "threat"
text = "No body at the gate. We take from the churchyard."
requires_flags = ["bargain_broken"]
forbids_flags = ["broker_dead"]

[[line]]
id = "ghoul_threat_late"
topic = "threat"
text = "Late. Late {nights} nights."
memory = { nights_late = { min = 2, max = 9 }, met_broker = true }

[[line]]
id = "ghoul_threat_named"
topic = "threat"
text = "Jem Crouch. We know you."
memory = { name = "Jem Crouch" }
"""

GHOUL_FRENCH = """
ghoul_greeting = "Une chose vivante à la grille, {player}."
ghoul_bargain_gate = "Laisse le corps à la grille, et je te laisserai en paix."
"""


def _write(content_root: Path, relative: str, text: str) -> Path:
    return write(content_root / DIALOGUE_DIR, relative, text)


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / MANIFEST_PATH).parent.mkdir(parents=True)
    shutil.copy(CONTENT / MANIFEST_PATH, root / MANIFEST_PATH)
    _write(root, "ghoul.toml", GHOUL_TABLE)
    _write(root, "locale/fr/ghoul.toml", GHOUL_FRENCH)
    return root


@pytest.fixture
def tables(content_root: Path) -> DialogueTables:
    return DialogueTables.load(content_root)


@pytest.fixture(scope="module")
def shipped() -> DialogueTables:
    return DialogueTables.load(CONTENT)


def _ids(tables: DialogueTables, topic: str, **conditions: object) -> set[str]:
    """Every line id `choose` can return for these conditions, found by trying many seeds."""
    found = set()
    for seed in range(200):
        line = tables.choose("ghoul", topic, rng=random.Random(seed), **conditions)
        if line is not None:
            found.add(line.id)
    return found


def test_a_line_without_conditions_fits_any_situation(tables: DialogueTables) -> None:
    line = tables.choose("ghoul", "greeting", variables={"player": "Edwin"})
    assert line == DialogueLine(
        id="ghoul_greeting",
        kind="ghoul",
        topic="greeting",
        text="Living thing at the gate, Edwin.",
        voice_line=None,
        lang="en",
    )


def test_a_topic_nothing_fits_gives_none(tables: DialogueTables) -> None:
    assert tables.choose("ghoul", "threat") is None
    assert tables.choose("ghoul", "lullaby") is None
    assert tables.choose("vampire", "greeting") is None  # no vampire table in this root


def test_mood_selects_the_lines_written_for_it(tables: DialogueTables) -> None:
    assert _ids(tables, "threat", mood="hungry") == {"ghoul_threat_hungry"}
    assert _ids(tables, "threat", mood="calm") == set()


def test_flags_required_and_forbidden(tables: DialogueTables) -> None:
    assert _ids(tables, "threat", flags={"bargain_broken"}) == {"ghoul_threat_broken"}
    assert _ids(tables, "threat", flags={"bargain_broken", "broker_dead"}) == set()


@pytest.mark.parametrize(
    ("memory", "fits"),
    [
        ({"nights_late": 2, "met_broker": True}, True),
        ({"nights_late": 9.0, "met_broker": True}, True),
        ({"nights_late": 1, "met_broker": True}, False),
        ({"nights_late": 10, "met_broker": True}, False),
        ({"nights_late": 3, "met_broker": False}, False),
        ({"nights_late": 3, "met_broker": 1}, False),  # a count is not a flag
        ({"nights_late": True, "met_broker": True}, False),
        ({"nights_late": "3", "met_broker": True}, False),
        ({"nights_late": 3}, False),
        ({}, False),
    ],
)
def test_memory_values_and_ranges(
    tables: DialogueTables, memory: dict[str, object], fits: bool
) -> None:
    assert (_ids(tables, "threat", memory=memory) == {"ghoul_threat_late"}) is fits


def test_memory_string_values_must_match_exactly(tables: DialogueTables) -> None:
    assert _ids(tables, "threat", memory={"name": "Jem Crouch"}) == {"ghoul_threat_named"}
    assert _ids(tables, "threat", memory={"name": "jem crouch"}) == set()


def test_the_same_seed_chooses_the_same_lines(tables: DialogueTables) -> None:
    def run(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [tables.choose("ghoul", "bargain", rng=rng).id for _ in range(50)]

    assert run(7) == run(7)
    assert len(set(run(7))) == 2


def test_weights_set_how_often_each_line_is_chosen(tables: DialogueTables) -> None:
    rng = random.Random(2024)
    counts = Counter(
        tables.choose("ghoul", "bargain", rng=rng, variables={"price": 3, "player": "E"}).id
        for _ in range(4000)
    )
    # Weights 3 and 1: three quarters and one quarter, within a few percent.
    assert counts["ghoul_bargain_gate"] / 4000 == pytest.approx(0.75, abs=0.03)
    assert counts["ghoul_bargain_price"] / 4000 == pytest.approx(0.25, abs=0.03)


def test_variables_are_substituted_whatever_their_type(tables: DialogueTables) -> None:
    line = _choose_price_line(tables, variables={"price": 12, "player": "Edwin"})
    assert line.text == "12 teeth, Edwin. The count is owed in teeth."


def _choose_price_line(tables: DialogueTables, **options: object) -> DialogueLine:
    rng = random.Random(0)
    while (line := tables.choose("ghoul", "bargain", rng=rng, **options)).id != (
        "ghoul_bargain_price"
    ):
        pass
    return line


def test_a_missing_variable_stays_visible_and_is_logged_once(
    tables: DialogueTables, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="engine_bridge.content.dialogue"):
        for _ in range(3):
            line = _choose_price_line(tables, variables={"price": 4})
            assert line.text == "4 teeth, {player}. The count is owed in teeth."
    assert len(caplog.records) == 1
    assert "{player}" in caplog.records[0].getMessage()
    assert "ghoul_bargain_price" in caplog.records[0].getMessage()


def test_french_is_used_when_the_line_has_a_translation(tables: DialogueTables) -> None:
    line = tables.choose("ghoul", "greeting", lang="fr", variables={"player": "Edwin"})
    assert line.text == "Une chose vivante à la grille, Edwin."
    assert line.lang == "fr"


def test_voice_line_is_given_only_with_the_english_text(tables: DialogueTables) -> None:
    def gate(lang: str) -> DialogueLine:
        rng = random.Random(0)
        while (line := tables.choose("ghoul", "bargain", lang=lang, rng=rng)).id != (
            "ghoul_bargain_gate"
        ):
            pass
        return line

    english = gate("en")
    assert english.voice_line == "ghoul_bargain"
    assert english.lang == "en"
    french = gate("fr")
    assert french.voice_line is None
    assert french.lang == "fr"


def test_a_missing_translation_falls_back_to_english_with_one_warning(
    tables: DialogueTables, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="engine_bridge.content.dialogue"):
        for _ in range(5):
            line = tables.choose("ghoul", "threat", mood="angry", lang="fr")
            assert line.id == "ghoul_threat_hungry"
            assert line.text == "So hungry."
            assert line.lang == "en"
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    message = caplog.records[0].getMessage()
    assert "ghoul_threat_hungry" in message
    assert "'fr'" in message

    # Another language, or another line, is worth its own warning.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="engine_bridge.content.dialogue"):
        tables.choose("ghoul", "threat", mood="angry", lang="de")
        tables.choose("ghoul", "threat", mood="angry", lang="de")
        tables.choose("ghoul", "threat", flags={"bargain_broken"}, lang="fr")
    assert len(caplog.records) == 2


def test_a_fallback_to_english_keeps_the_voice_line(tables: DialogueTables) -> None:
    rng = random.Random(0)
    while (line := tables.choose("ghoul", "bargain", lang="de", rng=rng)).id != (
        "ghoul_bargain_gate"
    ):
        pass
    assert line.lang == "en"
    assert line.voice_line == "ghoul_bargain"


def test_a_kind_without_a_table_has_nothing_to_say(tables: DialogueTables) -> None:
    assert tables.choose("priest", "greeting") is None
    assert tables.topics("priest") == frozenset()
    with pytest.raises(ValueError, match="lower_snake_case"):
        tables.choose("Not A Kind", "greeting")


def _only_error(root: Path) -> ContentError:
    """Load the tables; exactly one file must have been left out: its error."""
    errors = DialogueTables.load(root).errors
    assert len(errors) == 1, errors
    return errors[0]


LINE = '[[line]]\nid = "ghoul_line"\ntopic = "greeting"\ntext = "At the gate."\n'


@pytest.mark.parametrize(
    ("file", "text", "field"),
    [
        ("ghoul.toml", "line = [", "not valid UTF-8 TOML"),
        ("ghoul.toml", "line = 3", "'line'"),
        ("Priest.toml", LINE, "must be an NPC kind"),
        ("ghoul.toml", LINE.replace('topic = "greeting"\n', ""), "'topic' is missing"),
        ("ghoul.toml", LINE.replace('"ghoul_line"', '"Ghoul Line"'), "'id'"),
        ("ghoul.toml", LINE.replace('"greeting"', "3"), "'topic'"),
        ("ghoul.toml", LINE.replace('"At the gate."', "7"), "'text'"),
        ("ghoul.toml", LINE.replace("At the gate.", "At the {gate."), "'text'.*brace"),
        ("ghoul.toml", LINE.replace("At the gate.", "At the {Gate}."), "'text'.*brace"),
        ("ghoul.toml", LINE + 'season = ["winter"]\n', "unknown field 'season'"),
        ("ghoul.toml", LINE + 'mood = "hungry"\n', "'mood'"),
        ("ghoul.toml", LINE + "mood = []\n", "'mood'"),
        ("ghoul.toml", LINE + "requires_flags = [1]\n", "'requires_flags'"),
        ("ghoul.toml", LINE + 'forbids_flags = "x"\n', "'forbids_flags'"),
        ("ghoul.toml", LINE + "memory = 3\n", "'memory'"),
        ("ghoul.toml", LINE + "memory = { n = { least = 1 } }\n", "'memory.n'"),
        ("ghoul.toml", LINE + "memory = { n = {} }\n", "'memory.n'"),
        ("ghoul.toml", LINE + 'memory = { n = { min = "1" } }\n', "'memory.n'"),
        ("ghoul.toml", LINE + "memory = { n = { min = 5, max = 1 } }\n", "'memory.n'"),
        ("ghoul.toml", LINE + "memory = { n = [1, 2] }\n", "'memory.n'"),
        ("ghoul.toml", LINE + "weight = 0\n", "'weight'"),
        ("ghoul.toml", LINE + "weight = true\n", "'weight'"),
        ("ghoul.toml", LINE + 'weight = "2"\n', "'weight'"),
        ("ghoul.toml", LINE + "voice_line = 3\n", "'voice_line'"),
        ("ghoul.toml", LINE + LINE, "'id' repeats"),
    ],
)
def test_a_broken_table_is_reported_with_its_file_and_field(
    tmp_path: Path, file: str, text: str, field: str
) -> None:
    path = _write(tmp_path, file, text)
    error = _only_error(tmp_path)
    assert re.search(field, error.reason)
    assert error.file == path
    if "'" in field:  # the field is named in the error's fields, not only in its words
        assert error.field == re.search(r"'([a-z_.]+)'", field).group(1)


def test_an_id_repeated_in_another_table_names_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "ghoul.toml", LINE)
    second = _write(tmp_path, "zombie.toml", LINE)
    error = _only_error(tmp_path)
    assert "'id' repeats" in error.reason
    assert error.field == "id"
    assert error.file == second.resolve()
    assert str(first.resolve()) in error.reason


@pytest.mark.parametrize(
    ("voice_line", "text", "message"),
    [
        ("ghoul_lullaby", "Leave the body at the gate, and I will leave you be.", "names no line"),
        ("zombie_hungry", "Hungry. So hungry. Warm.", "spoken by 'zombie'"),
        ("ghoul_bargain", "Leave the body at the gate.", "whose recording says"),
    ],
)
def test_a_voice_line_must_exist_be_this_kinds_and_say_the_text(
    content_root: Path, voice_line: str, text: str, message: str
) -> None:
    path = _write(
        content_root,
        "ghoul.toml",
        f'[[line]]\nid = "g"\ntopic = "bargain"\ntext = "{text}"\nvoice_line = "{voice_line}"\n',
    )
    error = _only_error(content_root)
    assert message in error.reason
    assert error.file == path.resolve()
    assert error.field == "voice_line"


@pytest.mark.parametrize(
    ("relative", "text", "message"),
    [
        ("locale/fr/ghoul.toml", 'ghoul_lullaby = "Dors."\n', "'ghoul_lullaby' names no line"),
        ("locale/fr/zombie.toml", 'ghoul_greeting = "Salut."\n', "'ghoul_greeting' names no"),
        ("locale/fr/ghoul.toml", "ghoul_greeting = 3\n", "'ghoul_greeting'"),
        ("locale/fr/ghoul.toml", 'ghoul_greeting = "Salut, {joueur}."\n', "{joueur}"),
        ("locale/fr/ghoul.toml", 'ghoul_greeting = "Salut, {player."\n', "brace"),
        ("locale/fr/priest.toml", 'x = "y"\n', "names no line of priest's table"),
        ("locale/French/ghoul.toml", 'ghoul_greeting = "Salut."\n', "language code"),
    ],
)
def test_a_broken_translation_is_reported_with_its_file_and_field(
    content_root: Path, relative: str, text: str, message: str
) -> None:
    path = _write(content_root, relative, text)
    error = _only_error(content_root)
    assert message in error.reason
    assert error.file == (path.parent if "French" in relative else path).resolve()


def test_a_content_root_without_dialogue_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="dialogue"):
        DialogueTables.load(tmp_path)


def test_every_kind_ships_a_table_of_at_least_six_lines_with_a_greeting(
    shipped: DialogueTables,
) -> None:
    assert shipped.kinds() == NPC_KINDS
    for kind in NPC_KINDS:
        topics = shipped.topics(kind)
        assert {"greeting", "threat", "bargain", "flee", "idle"} <= topics, kind
        assert len(topics) >= 6, f"{kind} has no story topic of its own"
        # With nothing known about the scene, every kind can still say hello.
        greeting = shipped.choose(kind, "greeting", variables={"player": "Edwin", "debt": 3})
        assert greeting is not None, kind
        assert "{" not in greeting.text


def _shipped_tables() -> dict[str, list[dict[str, object]]]:
    return {
        kind: tomllib.loads((CONTENT / DIALOGUE_DIR / f"{kind}.toml").read_text())["line"]
        for kind in NPC_KINDS
    }


def test_every_shipped_table_has_at_least_six_lines() -> None:
    for kind, lines in _shipped_tables().items():
        assert len(lines) >= 6, kind


def test_french_covers_most_shipped_lines_but_not_all(shipped: DialogueTables) -> None:
    ids = {line["id"] for lines in _shipped_tables().values() for line in lines}
    french = set()
    for path in (CONTENT / DIALOGUE_DIR / "locale" / "fr").glob("*.toml"):
        french |= set(tomllib.loads(path.read_text()))
    assert french < ids
    assert len(french) / len(ids) > 0.8
    untranslated = shipped.choose("aethelred", "crypt", lang="fr")
    assert untranslated.id not in french
    assert untranslated.lang == "en"


def test_the_shipped_tables_voice_every_recording() -> None:
    voiced = {
        line["voice_line"]
        for lines in _shipped_tables().values()
        for line in lines
        if "voice_line" in line
    }
    assert voiced == {line.id for line in load_manifest(CONTENT)}
