"""The story system: content/story/aethelred.toml and engine_bridge.content.story."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine_bridge.content.story import STORY_PATH, FlagTrigger, ManualTrigger, Story

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "content" / STORY_PATH


def seen(npc: int) -> dict[str, Any]:
    return {"v": 1, "type": "player_seen", "npc": npc}


def hurt(npc: int) -> dict[str, Any]:
    return {"v": 1, "type": "damaged", "npc": npc, "amount": 0.25}


def heard(npc: int) -> dict[str, Any]:
    return {"v": 1, "type": "heard_noise", "npc": npc, "at": [4.0, 2.5, 0.0], "loudness": 0.8}


def custom(name: str, **data: Any) -> dict[str, Any]:
    return {"v": 1, "type": "custom", "name": name, "data": data}


# One whole play-through of the shipped story: (what happens, the NPC kind involved or None
# for a script completing a beat, the beats that completes — cascades included).
PLAY_THROUGH: list[tuple[dict[str, Any] | str, str | None, list[str]]] = [
    (seen(0), "aethelred", ["a_door_on_tanners_row"]),
    (custom("grave_opened"), None, ["the_paupers_field"]),
    (custom("body_delivered"), "aethelred", []),
    (custom("body_delivered"), "aethelred", []),
    (custom("body_delivered"), "aethelred", ["stock_for_the_cellar"]),
    ("the_ledger", None, ["the_ledger"]),
    (seen(1), "vampire", ["a_pale_customer"]),
    (custom("warm_delivered"), "vampire", ["one_still_warm"]),
    (hurt(2), "zombie", []),
    (hurt(2), "zombie", []),
    (hurt(2), "zombie", ["what_the_covenant_leaves"]),
    (seen(3), "townsfolk", ["the_millers_sister"]),
    ("his_name_in_the_ledger", None, ["his_name_in_the_ledger"]),
    (custom("bell_tolls", count=1), None, []),
    (custom("bell_tolls", count=2), None, []),
    (custom("bell_tolls", count=3), None, ["the_bell_tolls"]),
    (heard(4), "ghoul", ["scratching_below"]),
    (custom("body_left_at_gate"), "ghoul", ["the_gate_bargain"]),
    (seen(5), "wraith", ["a_face_at_the_window"]),
    ("say_my_name", None, ["say_my_name"]),
    (custom("bones_reburied"), None, ["her_bones_back"]),
    (heard(6), "werewolf", ["pacing_at_the_tree_line"]),
    (hurt(6), "werewolf", ["the_wolfs_message", "seven_lives_owed"]),
    ("take_the_ledger", None, ["take_the_ledger"]),
    (custom("ledger_read_aloud"), "townsfolk", ["the_sister_reads", "torches_on_tanners_row"]),
    (heard(6), "werewolf", ["the_reckoning"]),
]


def _step(story: Story, what: dict[str, Any] | str, kind: str | None) -> list[str]:
    before = len(story.completed)
    if isinstance(what, str):
        story.complete(what)
    else:
        assert story.observe(what, kind=kind) == story.completed[before:]
    return story.completed[before:]


def _play(story: Story, steps: int) -> None:
    for what, kind, expected in PLAY_THROUGH[:steps]:
        assert _step(story, what, kind) == expected


@pytest.fixture
def story() -> Story:
    return Story.load(SHIPPED)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def story_log() -> Iterator[list[logging.LogRecord]]:
    # A handler on the logger itself: the runtime may stop "aicore" propagating to root.
    handler = _Records()
    logger = logging.getLogger("aicore.story")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


# -- the shipped story ---------------------------------------------------------------------


def test_the_shipped_story_loads_with_at_least_four_quests_and_twelve_beats(story: Story) -> None:
    assert story.title == "Aethelred's — the body broker"
    assert len(story.quests) >= 4
    assert len(story.beats) >= 12
    assert story.ending == "the_reckoning"
    assert story.flags == dict(story.flag_defaults)
    assert story.completed == []
    assert story.active() == ["a_door_on_tanners_row"]
    assert not story.ended


def test_the_shipped_story_uses_every_kind_of_trigger_and_flag_value(story: Story) -> None:
    triggers = [beat.trigger for beat in story.beats.values()]
    events = {t.event for t in triggers if not isinstance(t, FlagTrigger | ManualTrigger)}
    assert events == {"player_seen", "damaged", "heard_noise", "custom"}
    assert any(isinstance(t, FlagTrigger) for t in triggers)
    assert any(isinstance(t, ManualTrigger) for t in triggers)
    assert {type(v) for v in story.flag_defaults.values()} == {bool, int, str}


def test_a_play_through_of_events_flags_and_script_completions_reaches_the_reckoning(
    story: Story,
) -> None:
    for what, kind, expected in PLAY_THROUGH:
        assert _step(story, what, kind) == expected, what
    assert story.ended
    assert story.active() == []
    # Every beat is played, each after every beat it requires.
    assert sorted(story.completed) == sorted(story.beats)
    for index, beat_id in enumerate(story.completed):
        for required in story.beats[beat_id].requires:
            if required in story.beats:
                assert required in story.completed[:index], (beat_id, required)
    assert story.flag("broker_fate") == "paid_to_the_wolf"
    assert story.flag("wraith_name") == "Maud Ellery"
    assert story.flag("town_knows") is True
    for quest in story.progress().values():
        assert quest["done"] == quest["total"]
        assert quest["current"] == []


def test_progress_counts_each_quests_beats_and_names_the_current_ones(story: Story) -> None:
    progress = story.progress()
    assert list(progress) == list(story.quests)
    assert progress["cold_trade"] == {
        "title": "The Cold Trade",
        "done": 0,
        "total": 4,
        "current": ["A Door on Tanner's Row"],
    }
    _play(story, 5)  # the three bodies are in the cellar: five quests open at once
    progress = story.progress()
    assert progress["cold_trade"]["done"] == 3
    assert progress["cold_trade"]["current"] == ["The Ledger"]
    assert progress["the_covenant"]["current"] == ["A Pale Customer"]
    assert progress["what_is_owed"]["current"] == ["Pacing at the Tree Line"]
    assert progress["the_reckoning"] == {
        "title": "The Reckoning",
        "done": 0,
        "total": 4,
        "current": [],
    }


# -- triggers and requirements -------------------------------------------------------------


def test_a_count_trigger_needs_the_count_and_counts_only_while_its_beat_is_active(
    story: Story,
) -> None:
    _play(story, 1)
    # Bodies carried in before the first grave is open do not count.
    assert story.observe(custom("body_delivered")) == []
    assert story.observe(custom("body_delivered")) == []
    assert story.observe(custom("grave_opened")) == ["the_paupers_field"]
    assert story.observe(custom("body_delivered")) == []
    assert story.observe(custom("bell_tolls")) == []  # another name does not count
    assert story.observe(custom("body_delivered")) == []
    assert "stock_for_the_cellar" in story.active()
    assert story.observe(custom("body_delivered")) == ["stock_for_the_cellar"]


def test_an_event_trigger_with_a_kind_ignores_other_kinds_and_unknown_ones(story: Story) -> None:
    assert story.observe(seen(0), kind="vampire") == []
    assert story.observe(seen(0)) == []
    assert story.observe(hurt(0), kind="aethelred") == []
    assert story.observe(seen(0), kind="aethelred") == ["a_door_on_tanners_row"]


def test_an_event_of_a_type_no_trigger_names_or_of_no_type_completes_nothing(
    story: Story,
) -> None:
    before = story.active()
    assert story.observe({"type": "footstep", "npc": 0}, kind="aethelred") == []
    assert story.observe({"npc": 0}, kind="aethelred") == []
    assert story.observe({"type": ["player_seen"], "npc": 0}, kind="aethelred") == []
    assert story.active() == before
    # The same NPC seen as the trigger says completes the beat.
    assert story.observe(seen(0), kind="aethelred") == ["a_door_on_tanners_row"]


def test_requires_gate_beats_until_their_beats_and_flags_hold(story: Story) -> None:
    # A vampire seen on the first night is not yet a customer.
    assert story.observe(seen(1), kind="vampire") == []
    # A script completing a beat too early changes nothing.
    assert story.complete("the_ledger") == {}
    assert story.completed == []
    _play(story, 5)
    assert story.observe(seen(5), kind="wraith") == ["a_face_at_the_window"]
    # say_my_name also needs the flag knows_of_ledger, which the_ledger sets.
    assert "say_my_name" not in story.active()
    assert story.complete("say_my_name") == {}
    assert story.set_flag("knows_of_ledger", True) == []
    assert "say_my_name" in story.active()
    assert story.complete("say_my_name") == {"wraith_name": "Maud Ellery"}
    assert story.complete("say_my_name") == {}  # once only


def test_a_flag_trigger_completes_as_soon_as_its_requirements_are_met(story: Story) -> None:
    _play(story, 5)
    assert story.observe(heard(6), kind="werewolf") == ["pacing_at_the_tree_line"]
    # The wolf's message comes before the ledger is seen: seven_lives_owed waits for it.
    assert story.observe(hurt(6), kind="werewolf") == ["the_wolfs_message"]
    assert story.flag("lives_owed") == 7
    assert "seven_lives_owed" not in story.completed
    assert story.complete("the_ledger") == {"knows_of_ledger": True}
    assert story.completed[-2:] == ["the_ledger", "seven_lives_owed"]


def test_set_flag_cascades_into_flag_triggered_beats(story: Story) -> None:
    _play(story, 24)  # the ledger is taken
    assert story.set_flag("town_knows", True) == ["torches_on_tanners_row"]
    assert story.flag("broker_fate") == "hunted"
    # The sister still has to read it aloud.
    assert "the_sister_reads" in story.active()


def test_unknown_flags_and_beats_raise_key_errors_naming_what_exists(story: Story) -> None:
    with pytest.raises(KeyError, match="knows_of_ledger") as info:
        story.set_flag("knows_the_ledger", True)
    assert "knows_the_ledger" in str(info.value)
    with pytest.raises(KeyError, match="met_broker"):
        story.flag("nope")
    with pytest.raises(KeyError, match="no_such_beat"):
        story.complete("no_such_beat")
    with pytest.raises(KeyError, match="no_such_beat"):
        story.add_hook("no_such_beat", print)


def test_set_flag_refuses_a_value_of_another_type(story: Story) -> None:
    with pytest.raises(TypeError, match="lives_owed"):
        story.set_flag("lives_owed", True)
    with pytest.raises(TypeError, match="met_broker"):
        story.set_flag("met_broker", 1)
    with pytest.raises(TypeError, match="wraith_name"):
        story.set_flag("wraith_name", 3)
    assert story.flags == dict(story.flag_defaults)


def test_complete_returns_the_flags_it_and_its_cascade_set(story: Story) -> None:
    _play(story, 24)
    assert story.complete("the_sister_reads") == {"town_knows": True, "broker_fate": "hunted"}
    assert story.completed[-2:] == ["the_sister_reads", "torches_on_tanners_row"]


# -- hooks ---------------------------------------------------------------------------------


def test_hooks_run_once_per_completion_with_the_story(story: Story) -> None:
    calls: list[tuple[str, list[str]]] = []

    @story.on_beat("a_door_on_tanners_row")
    def greeted(s: Story) -> None:
        calls.append(("greeted", s.completed))

    def torches(s: Story) -> None:
        calls.append(("torches", [str(s.flag("broker_fate"))]))

    story.add_hook("torches_on_tanners_row", torches)
    story.add_hook("torches_on_tanners_row", torches)  # the same hook twice is one hook
    assert greeted.__name__ == "greeted"  # the decorator returns the function

    for what, kind, _ in PLAY_THROUGH:
        _step(story, what, kind)
    assert story.ended
    for what, kind, _ in PLAY_THROUGH:  # played again, it completes nothing
        assert _step(story, what, kind) == []
    assert calls == [("greeted", ["a_door_on_tanners_row"]), ("torches", ["hunted"])]


def test_a_hook_may_complete_beats_itself(story: Story) -> None:
    @story.on_beat("stock_for_the_cellar")
    def open_the_ledger(s: Story) -> None:
        s.complete("the_ledger")

    _play(story, 4)
    assert story.observe(custom("body_delivered")) == ["stock_for_the_cellar"]
    assert story.completed[-2:] == ["stock_for_the_cellar", "the_ledger"]
    assert story.flag("knows_of_ledger") is True


def test_a_raising_hook_is_logged_and_the_story_goes_on(
    story: Story, story_log: list[logging.LogRecord]
) -> None:
    after: list[str] = []

    @story.on_beat("a_door_on_tanners_row")
    def broken(s: Story) -> None:
        raise RuntimeError("a designer's typo")

    story.add_hook("a_door_on_tanners_row", lambda s: after.append("ran"))
    assert story.observe(seen(0), kind="aethelred") == ["a_door_on_tanners_row"]
    assert after == ["ran"]
    errors = [r for r in story_log if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "broken" in errors[0].getMessage()
    assert "a_door_on_tanners_row" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[1] is not None
    assert "a designer's typo" in str(errors[0].exc_info[1])
    # The flags were set and the story goes on to the end.
    assert story.flag("met_broker") is True
    for what, kind, expected in PLAY_THROUGH[1:]:
        assert _step(story, what, kind) == expected
    assert story.ended


# -- saves ---------------------------------------------------------------------------------


def test_snapshot_and_restore_round_trip_through_json_mid_count(story: Story) -> None:
    _play(story, 15)  # two of the three bell tolls heard
    saved = json.loads(json.dumps(story.snapshot()))
    assert saved["counts"] == {"the_bell_tolls": 2}

    loaded = Story.load(SHIPPED)
    loaded.restore(saved)
    assert loaded.snapshot() == story.snapshot()
    assert loaded.flags == story.flags
    assert loaded.completed == story.completed
    assert loaded.active() == story.active()
    assert loaded.progress() == story.progress()
    # Both go on identically to the end: the restored count needs one more toll.
    for what, kind, expected in PLAY_THROUGH[15:]:
        assert _step(loaded, what, kind) == expected
    assert loaded.ended


def test_restore_fills_flags_a_save_lacks_with_their_defaults(story: Story) -> None:
    _play(story, 6)
    saved = story.snapshot()
    del saved["flags"]["broker_fate"]
    loaded = Story.load(SHIPPED)
    loaded.restore(saved)
    assert loaded.flag("broker_fate") == ""
    assert loaded.flag("knows_of_ledger") is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(v=2), "'v'"),
        (lambda s: s.update(story="Another Story"), "'story'"),
        (lambda s: s.pop("counts"), "'counts'"),
        (lambda s: s.update(extra=1), "'extra'"),
        (lambda s: s["flags"].update(no_such_flag=True), "'flags'"),
        (lambda s: s["flags"].update(lives_owed="seven"), "'flags'"),
        (lambda s: s["completed"].append("no_such_beat"), "'completed'"),
        (lambda s: s["completed"].append("the_ledger"), "'completed'"),  # already there
        (lambda s: s["completed"].reverse(), "'completed'"),  # out of order
        (lambda s: s["counts"].update(the_bell_tolls=3), "'counts'"),
        (lambda s: s["counts"].update(the_ledger=1), "'counts'"),
        (lambda s: s["counts"].update(stock_for_the_cellar=1), "'counts'"),  # complete
    ],
)
def test_restore_refuses_a_snapshot_that_does_not_fit_and_changes_nothing(
    story: Story, change: Any, field: str
) -> None:
    _play(story, 6)
    broken = json.loads(json.dumps(story.snapshot()))
    change(broken)
    fresh = Story.load(SHIPPED)
    before = fresh.snapshot()
    with pytest.raises(ValueError, match=field) as info:
        fresh.restore(broken)
    assert str(SHIPPED) in str(info.value)
    assert fresh.snapshot() == before


# -- validation ----------------------------------------------------------------------------

MINIMAL = """
title = "The Sexton's Night"
ending = "rest"
kinds = ["ghoul"]

[flags]
lantern_lit = false
graves_dug = 0

[[quest]]
id = "night"
title = "The Night"
summary = "One night's work."

[[quest]]
id = "dawn"
title = "Dawn"
summary = "What the morning finds."

[[beat]]
id = "dig"
quest = "night"
title = "Dig"
summary = "Open two graves."
trigger = {event = "custom", name = "grave_opened", count = 2}
sets = {graves_dug = 2}

[[beat]]
id = "light"
quest = "night"
title = "Light"
summary = "Light the lantern."
requires = ["dig"]
trigger = {manual = true}
sets = {lantern_lit = true}

[[beat]]
id = "rest"
quest = "dawn"
title = "Rest"
summary = "Sleep at last."
requires = ["light"]
trigger = {flag = "lantern_lit"}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "story" / "broken.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_minimal_story_the_validation_tests_break_is_itself_valid(tmp_path: Path) -> None:
    story = Story.load(_write(tmp_path, MINIMAL))
    assert story.observe(custom("grave_opened")) == []
    assert story.observe(custom("grave_opened")) == ["dig"]
    assert story.complete("light") == {"lantern_lit": True}
    assert story.completed == ["dig", "light", "rest"]
    assert story.ended


DIG = 'id = "dig"\nquest = "night"\n'
LIGHT = 'id = "light"\nquest = "night"\n'
DIG_TRIGGER = 'trigger = {event = "custom", name = "grave_opened", count = 2}'


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('title = "The', 'author = "Anon"\ntitle = "The', "'author'"),
        ('ending = "rest"', 'ending = "sleep"', "'ending'"),
        ('kinds = ["ghoul"]', 'kinds = ["Ghoul"]', "'kinds'"),
        ("graves_dug = 0", "graves_dug = 0.5", "'flags.graves_dug'"),
        (LIGHT, LIGHT + 'colour = "red"\n', "'colour'"),
        ('summary = "Sleep at last."', 'summery = "Sleep at last."', "'summary'"),
        ('id = "rest"', 'id = "dig"', "'id'"),
        ('id = "rest"', 'id = "lantern_lit"', "'id'"),
        ('quest = "dawn"', 'quest = "noon"', "'quest'"),
        ('requires = ["dig"]', 'requires = ["dug"]', "'requires'"),
        ('requires = ["dig"]', 'requires = ["dig", "candle_lit"]', "'requires'"),
        ('requires = ["dig"]', 'requires = "dig"', "'requires'"),
        (LIGHT, LIGHT + 'next = ["sleep"]\n', "'next'"),
        ("sets = {graves_dug = 2}", "sets = {graves_filled = 2}", "'sets.graves_filled'"),
        ("sets = {graves_dug = 2}", "sets = {graves_dug = true}", "'sets.graves_dug'"),
        (
            DIG_TRIGGER,
            'trigger = {event = "custom", name = "grave_opened", cuont = 2}',
            "'trigger'",
        ),
        (DIG_TRIGGER, 'trigger = {event = "grave_opened"}', "'trigger.event'"),
        (DIG_TRIGGER, 'trigger = {event = "player_seen", name = "x"}', "'trigger.name'"),
        (DIG_TRIGGER, 'trigger = {event = "player_seen", kind = "vampire"}', "'trigger.kind'"),
        (DIG_TRIGGER, 'trigger = {event = "custom", name = "g", count = 0}', "'trigger.count'"),
        (DIG_TRIGGER, 'trigger = {flag = "lantern_out"}', "'trigger.flag'"),
        (DIG_TRIGGER, 'trigger = {flag = "graves_dug", value = "two"}', "'trigger.value'"),
        (DIG_TRIGGER, "trigger = {manual = false}", "'trigger'"),
        (DIG_TRIGGER, 'trigger = {when = "dawn"}', "'trigger'"),
        # Holds on the defaults with nothing required: it would complete before play.
        (DIG_TRIGGER, 'trigger = {flag = "graves_dug", value = 0}', "'trigger'"),
        # Cycles: across quests, and a beat requiring itself.
        (DIG, DIG + 'requires = ["rest"]\n', "'requires'"),
        ('requires = ["dig"]', 'requires = ["dig", "light"]', "'requires'"),
        ('quest = "dawn"', 'quest = "night"', "'quest'"),  # dawn is left with no beats
        ('ending = "rest"\n', "", "'ending'"),
    ],
)
def test_each_validation_error_names_the_file_and_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(ValueError, match=field) as info:
        Story.load(path)
    assert str(path) in str(info.value)


def test_a_cycle_in_requires_is_spelled_out(tmp_path: Path) -> None:
    text = MINIMAL.replace(DIG, DIG + 'requires = ["rest"]\n')
    with pytest.raises(ValueError, match="cycle: dig -> rest -> light -> dig"):
        Story.load(_write(tmp_path, text))


def test_a_beat_cannot_require_one_that_comes_later_in_its_quest(tmp_path: Path) -> None:
    text = MINIMAL.replace('requires = ["dig"]\n', "").replace(DIG, DIG + 'requires = ["light"]\n')
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match="'requires' names 'light', which comes later") as info:
        Story.load(path)
    assert str(path) in str(info.value)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "\n[[beat]\n")
    with pytest.raises(ValueError, match="not valid UTF-8 TOML") as info:
        Story.load(path)
    assert str(path) in str(info.value)


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Story.load(tmp_path / "nowhere.toml")


def test_a_reloaded_hook_replaces_its_old_version() -> None:
    story = Story.load(REPO / "content" / STORY_PATH)
    calls: list[str] = []
    namespace: dict[str, object] = {"calls": calls, "__name__": "npc_scripts.broker"}
    for version in ("old", "new"):  # the same function defined twice, as a reload does
        exec(f"def on_ledger(story):\n    calls.append({version!r})\n", namespace)
        story.add_hook("the_ledger", namespace["on_ledger"])  # type: ignore[arg-type]
    active = [b for b in story.active() if b == "the_ledger"]
    if not active:  # play up to the ledger with the shipped story's own triggers
        for beat in list(story.beats):
            if beat == "the_ledger":
                break
            story.complete(beat)
    story.complete("the_ledger")
    assert calls == ["new"]
