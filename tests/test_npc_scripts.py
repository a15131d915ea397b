"""Each shipped NPC script, run in the sandbox over the shipped content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(script_dirs=[REPO / "npc_scripts"], content_root=REPO / "content", capacity=1024)
    yield box
    box.close()


def _types(commands: list[dict]) -> list[str]:
    return [c["type"] for c in commands]


def test_every_shipped_kind_is_defined(sandbox: Sandbox) -> None:
    assert set(sandbox.runtime.scheduler.classes) >= {
        "aethelred",
        "vampire",
        "zombie",
        "werewolf",
        "wraith",
        "ghoul",
        "townsfolk",
    }


def test_a_zombie_horde_of_hundreds_shambles_at_the_player_it_sees(sandbox: Sandbox) -> None:
    horde = [sandbox.spawn("zombie", at=(float(i % 30), float(i // 30), 0.0)) for i in range(600)]
    sandbox.player_at(15.0, 10.0, seen_by=horde[:100])
    commands = sandbox.step(60)
    moves = [c for c in commands if c["type"] == "move_to"]
    assert len({c["npc"] for c in moves}) == 600  # every zombie decided once a second
    chasing = [c for c in moves if c["npc"] in horde[:100]]
    assert all(c["target"] == [15.0, 10.0, 0.0] for c in chasing)
    assert sandbox.runtime.script_errors == 0


def test_the_vampire_greets_then_approaches_and_withdraws_at_dawn(sandbox: Sandbox) -> None:
    v = sandbox.spawn("vampire", at=(0.0, 10.0, 0.0))
    sandbox.player_at(0.0, 0.0, seen_by=[v])
    first = sandbox.step(15)
    assert _types(first)[0] == "say"
    assert "move_to" in _types(sandbox.step(15))
    sandbox.send("custom", name="dawn", npc=v)
    after = sandbox.step(15)
    assert "flee" in _types(after)
    assert sandbox.runtime.script_errors == 0


def test_the_werewolf_hunts_under_the_full_moon_and_retreats_when_hurt(sandbox: Sandbox) -> None:
    w = sandbox.spawn("werewolf", at=(0.0, 8.0, 0.0))
    story = sandbox.runtime.scheduler.story
    if story is not None and "full_moon" in story.flags:
        story.set_flag("full_moon", True)
    sandbox.player_at(0.0, 0.0, seen_by=[w])
    commands = sandbox.step(10)
    assert "say" in _types(commands)
    assert any(c["type"] == "move_to" and c["speed"] == 7.0 for c in commands)
    sandbox.world.health[w] = 0.2
    commands = sandbox.step(10)
    assert any(c["type"] == "move_to" and c["target"] == [0.0, 8.0, 0.0] for c in commands)


def test_the_wraith_follows_whispers_and_fades_when_struck(sandbox: Sandbox) -> None:
    w = sandbox.spawn("wraith", at=(0.0, 9.0, 0.0))
    sandbox.player_at(0.0, 0.0, seen_by=[w])
    assert "move_to" in _types(sandbox.step(60))
    sandbox.world.position[w] = (0.0, 3.0, 0.0)
    assert "say" in _types(sandbox.step(60))
    sandbox.send("damaged", npc=w, amount=0.1)
    commands = sandbox.step(1)
    assert {"emote", "flee"} <= set(_types(commands))


def test_a_hungry_ghoul_mutters_lore_and_is_sated_by_a_delivered_body(sandbox: Sandbox) -> None:
    g = sandbox.spawn("ghoul", at=(0.0, 2.0, 0.0))
    sandbox.npc(g).remember("hunger", 0.6)
    sandbox.player_at(0.0, 0.0, seen_by=[g])
    said = [c for c in sandbox.step(60) if c["type"] == "say"]
    assert said, "a hungry ghoul says something"
    if sandbox.runtime.scheduler.knowledge is not None:
        titles = {
            h.title for h in sandbox.runtime.scheduler.knowledge.search("crypt bones", limit=1)
        }
        assert said[0]["text"] in titles  # it answered from the lore
    sandbox.send("custom", name="body_delivered", npc=g)
    sandbox.step(1)
    assert sandbox.npc(g).recall("hunger") < 0.1


def test_townsfolk_flee_from_a_monster_nearby(sandbox: Sandbox) -> None:
    t = sandbox.spawn("townsfolk", at=(0.0, 0.0, 0.0))
    sandbox.spawn("zombie", at=(3.0, 0.0, 0.0))
    commands = [c for c in sandbox.step(60) if c.get("npc") == t]
    assert any(c["type"] == "flee" and c["from"] == [3.0, 0.0, 0.0] for c in commands)
    assert sandbox.npc(t).mood == "terrified"


def test_aethelred_buys_bodies_tells_the_ghouls_and_answers_from_the_lore(sandbox: Sandbox) -> None:
    a = sandbox.spawn("aethelred", at=(0.0, 2.0, 0.0))
    g = sandbox.spawn("ghoul", at=(5.0, 2.0, 0.0))
    sandbox.npc(g).remember("hunger", 0.9)
    sandbox.player_at(0.0, 0.0, seen_by=[a])
    assert "say" in _types(sandbox.step(20))
    sandbox.send("custom", name="body_offered", npc=a)
    sandbox.step(2)
    assert sandbox.npc(a).recall("bodies_bought") == 1
    assert sandbox.npc(g).recall("hunger") == 0.0  # told, and fed
    sandbox.send("custom", name="ask", npc=a, data={"about": "the ledger"})
    said = [c for c in sandbox.step(1) if c["type"] == "say" and c["npc"] == a]
    assert said
    assert said[-1]["text"] != "I don't deal in rumours."
