"""The store wired into the runtime: what NPCs remember and the story's progress survive a
restart of the game, explicit saves and loads put them back, and a store that cannot open
is one clear problem while the game plays on. Real runtimes, real SQLite files."""

from __future__ import annotations

import logging
from pathlib import Path

import msgpack
import pytest

from engine_bridge.core import runtime as runtime_module
from engine_bridge.core.frame import FRAME_RATE, FRAME_SECONDS
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.sandbox import Sandbox
from engine_bridge.store import FaultKind, StoreError
from tests.content_files import write_scripts

COUNTER = """
from engine_bridge.api import Npc


class Counter(Npc):
    kind = "counter"
    decision_rate = 60.0  # on_tick every frame

    def on_tick(self, dt: float) -> None:
        self.remember("ticks", int(self.recall("ticks", 0)) + 1)
        self.remember("where", ("crypt", [1, 2], {"deep": True}))
        if self.recall("ticks") == 3:
            self.story.set_flag("met_broker", True)
"""


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    return write_scripts(tmp_path / "scripts", counter=COUNTER)


def _game(scripts: Path, save_dir: Path) -> Sandbox:
    return Sandbox(script_dirs=[scripts], save_dir=save_dir)


def test_memory_and_story_progress_survive_a_restart(scripts: Path, tmp_path: Path) -> None:
    save_dir = tmp_path / "save"
    game = _game(scripts, save_dir)
    slots = [game.spawn("counter") for _ in range(3)]
    game.step(5)
    ticks = {slot: game.npc(slot).recall("ticks") for slot in slots}
    assert all(isinstance(n, int) and n >= 3 for n in ticks.values())
    assert game.runtime.content.story.flag("met_broker") is True
    game.close()

    again = _game(scripts, save_dir)
    assert again.runtime.problems() == []
    assert again.runtime.content.story.flag("met_broker") is True
    for slot in slots:
        assert again.spawn("counter") == slot  # the engine gives the same slots again
        assert again.npc(slot).recall("ticks") == ticks[slot]
        assert again.npc(slot).recall("where") == ("crypt", [1, 2], {"deep": True})
    again.step(1)
    assert again.npc(slots[0]).recall("ticks") == ticks[slots[0]] + 1
    again.close()


def test_a_save_and_a_load_put_the_play_through_back(scripts: Path, tmp_path: Path) -> None:
    game = _game(scripts, tmp_path / "save")
    slot = game.spawn("counter")
    game.step(2)
    saved = game.runtime.save("before_the_gate", label="two ticks in")
    assert (saved.slot, saved.label) == ("before_the_gate", "two ticks in")
    assert game.runtime.content.story.flag("met_broker") is False
    game.step(4)
    assert game.npc(slot).recall("ticks") == 6
    assert game.runtime.content.story.flag("met_broker") is True

    game.runtime.load("before_the_gate")
    assert game.npc(slot).recall("ticks") == 2
    assert game.runtime.content.story.flag("met_broker") is False
    assert [info.slot for info in game.runtime.saves()] == ["before_the_gate"]

    with pytest.raises(StoreError) as missing:
        game.runtime.load("no_such_save")
    assert missing.value.kind == FaultKind.NO_SUCH_SLOT
    assert game.npc(slot).recall("ticks") == 2  # nothing changed
    with pytest.raises(StoreError) as escaping:
        game.runtime.save("../outside")
    assert escaping.value.kind == FaultKind.BAD_PATH
    assert game.runtime.delete_save("before_the_gate") is True
    game.close()


def test_a_profile_in_use_is_one_problem_and_the_game_plays_on(
    scripts: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    save_dir = tmp_path / "save"
    first = _game(scripts, save_dir)
    with caplog.at_level(logging.ERROR, logger="aicore"):
        second = _game(scripts, save_dir)
    problems = [p for p in second.runtime.problems() if p[0] == "store"]
    assert len(problems) == 1
    assert "in_use" in problems[0][4]
    assert sum("store is off" in r.getMessage() for r in caplog.records) == 1
    slot = second.spawn("counter")
    second.step(3)
    assert second.npc(slot).recall("ticks") == 3  # memory kept in memory
    with pytest.raises(StoreError) as refused:
        second.runtime.save("slot1")
    assert refused.value.kind == FaultKind.CLOSED
    second.close()
    first.close()


def test_a_damaged_live_database_is_named_kept_and_the_game_plays_on(
    scripts: Path, tmp_path: Path
) -> None:
    save_dir = tmp_path / "save"
    game = _game(scripts, save_dir)
    game.spawn("counter")
    game.step(2)
    game.runtime.save("good")
    game.close()
    live = save_dir / "default" / "live.db"
    damaged = live.read_bytes()[:1000]
    live.write_bytes(damaged)

    again = _game(scripts, save_dir)
    (problem,) = [p for p in again.runtime.problems() if p[0] == "store"]
    assert problem[1] == str(live)
    assert "corrupt" in problem[4]
    assert "good" in problem[4]  # the sound save is offered
    slot = again.spawn("counter")
    again.step(1)
    assert again.npc(slot).recall("ticks") == 1
    again.close()
    assert live.read_bytes() == damaged  # nothing overwritten


def test_durable_events_go_to_the_outbox_and_outlive_a_restart(
    scripts: Path, tmp_path: Path
) -> None:
    save_dir = tmp_path / "save"
    game = _game(scripts, save_dir)
    game.send("custom", name="body_delivered", data={"to": "covenant", "fresh": True})
    game.send("player_seen", npc=game.spawn("counter"))  # not durable: not journalled
    game.step(1)
    store = game.runtime.persistence.store
    assert store is not None
    assert store.wait_committed(timeout=60)
    (kept,) = store.outbox.pending()
    assert kept.kind == "event.custom"
    assert kept.body["name"] == "body_delivered"
    assert kept.body["data"] == {"to": "covenant", "fresh": True}
    game.close()

    again = _game(scripts, save_dir)
    store = again.runtime.persistence.store
    assert store is not None
    assert [e.seq for e in store.outbox.pending()] == [kept.seq]  # still owed to the cloud
    again.close()


def test_durable_events_of_a_batch_with_a_dropped_event_are_all_journalled(
    scripts: Path, tmp_path: Path
) -> None:
    """A batch the runtime drops an event of (an engine that bypassed the bridge's
    validation): the bytes no longer line up with the events kept, so the durable ones
    are journalled one by one, none lost."""
    game = _game(scripts, tmp_path / "save")
    batch = msgpack.packb(
        [
            {"v": 1, "type": "custom", "name": "first"},
            5,  # not a map: dropped
            {"v": 1, "type": "custom", "name": "second", "data": [1, 2]},
        ]
    )
    game.runtime.tick(FRAME_SECONDS, batch)
    assert game.runtime.dropped_events == 1
    store = game.runtime.persistence.store
    assert store is not None
    assert store.wait_committed(timeout=60)
    kept = store.outbox.pending()
    assert [(e.kind, e.body["name"]) for e in kept] == [
        ("event.custom", "first"),
        ("event.custom", "second"),
    ]
    assert kept[1].body["data"] == [1, 2]
    game.close()


SAYER = """
from engine_bridge.api import Npc


class Sayer(Npc):
    kind = "sayer"
    decision_rate = 60.0

    def on_tick(self, dt: float) -> None:
        self.say("Fresh bodies, cheap.")
"""


def test_durable_commands_are_journalled_from_the_frame_s_packed_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """schema.toml marks no command durable today; a game that marks ``say`` durable gets
    every say command in the outbox, equal to what the engine received."""
    monkeypatch.setattr(runtime_module, "DURABLE_COMMANDS", frozenset({"say"}))
    scripts = write_scripts(tmp_path / "scripts", sayer=SAYER)
    game = _game(scripts, tmp_path / "save")
    game.spawn("sayer")
    sent = [c for c in game.step(3) if c["type"] == "say"]
    assert sent
    store = game.runtime.persistence.store
    assert store is not None
    assert store.wait_committed(timeout=60)
    kept = store.outbox.pending()
    assert [e.kind for e in kept] == ["command.say"] * len(sent)
    assert [e.body for e in kept] == sent
    game.close()


def test_without_a_save_folder_a_durable_event_is_counted_not_silently_lost(
    scripts: Path,
) -> None:
    game = Sandbox(script_dirs=[scripts])
    game.send("custom", name="body_delivered")
    game.step(1)
    assert game.runtime.persistence.unjournalled == 1
    game.close()


def test_the_autosave_comes_after_that_much_game_time(scripts: Path, tmp_path: Path) -> None:
    runtime = Runtime(
        World.allocate(8),
        script_dirs=[scripts],
        save_dir=tmp_path / "save",
        watch=False,
        autosave_every_s=1.0,
    )
    runtime.spawn(0, "counter")
    for _ in range(int(FRAME_RATE) - 1):  # just under one second of play
        runtime.tick(FRAME_SECONDS, b"")
    assert runtime.persistence.last_autosave is None
    runtime.tick(FRAME_SECONDS, b"")
    runtime.tick(FRAME_SECONDS, b"")
    started = runtime.persistence.last_autosave
    assert started is not None
    assert started.result(60).slot == "autosave"
    (autosave,) = runtime.saves()
    assert (autosave.slot, autosave.label, autosave.sound) == ("autosave", "autosave", True)
    runtime.close()


def test_the_saves_listed_right_after_an_autosave_started_include_it(
    scripts: Path, tmp_path: Path
) -> None:
    # A fast run (aicore-host without --realtime) lists its saves the moment its last frame
    # ends: the autosave the frames started is still on the writer thread then.
    runtime = Runtime(
        World.allocate(8),
        script_dirs=[scripts],
        save_dir=tmp_path / "save",
        watch=False,
        autosave_every_s=0.5,
    )
    try:
        runtime.spawn(0, "counter")
        while runtime.persistence.last_autosave is None:
            runtime.tick(FRAME_SECONDS, b"")
        assert [s.slot for s in runtime.saves()] == ["autosave"]
    finally:
        runtime.close()


def test_back_pressure_waits_at_most_a_fifth_of_the_frame_budget(
    scripts: Path, tmp_path: Path
) -> None:
    runtime = Runtime(
        World.allocate(4),
        script_dirs=[scripts],
        save_dir=tmp_path / "save",
        watch=False,
        frame_budget_s=0.005,
    )
    try:
        store = runtime.persistence.store
        assert store is not None
        assert store.config.handover_budget_s == pytest.approx(0.001)
    finally:
        runtime.close()


def test_a_closed_runtime_leaves_no_write_ahead_log_behind(scripts: Path, tmp_path: Path) -> None:
    """Every connection (the writer's, the readers', the lore index's) is closed, in an
    order that lets SQLite fold the log back into live.db: nothing but the database stays."""
    save_dir = tmp_path / "save"
    game = _game(scripts, save_dir)
    game.spawn("counter")
    game.step(3)
    assert game.runtime.scheduler.knowledge is not None
    assert game.runtime.scheduler.knowledge.search("crypt")  # the index's reader is used
    game.runtime.save("one")
    game.close()
    folder = save_dir / "default"
    assert not [p.name for p in folder.iterdir() if p.name.endswith(("-wal", "-shm"))]
