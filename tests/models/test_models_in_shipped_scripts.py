"""What the shipped scripts do with the models' advice (npc_scripts/zombie.py,
werewolf.py, townsfolk.py), in the sandbox over the shipped content and models. Each
scenario is far from the expert policy's thresholds (docs/models.md), so the model's
answer is not a coin toss; each test also checks the advice it relies on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_bridge.api import Decision
from engine_bridge.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]


def _action(decision: Decision | None) -> str | None:
    return None if decision is None else decision.action


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(script_dirs=[REPO / "npc_scripts"])
    yield sandbox
    assert sandbox.runtime.script_errors == 0
    assert sandbox.runtime.problems() == []
    sandbox.close()


def test_a_zombie_told_to_attack_bites(box: Sandbox) -> None:
    zombie = box.spawn("zombie", at=(0.0, 1.0, 0.0))
    box.player_at(0.0, 0.0, seen_by=[zombie])
    box.step(60)
    [turn] = box.decisions(zombie)  # one turn a second
    assert _action(turn.decision) == "attack"
    assert {"move_to", "attack"} <= {c["type"] for c in turn.commands}


def test_a_zombie_that_lost_sight_stalks_to_where_it_last_saw_the_player(box: Sandbox) -> None:
    zombie = box.spawn("zombie", at=(0.0, 10.0, 0.0))
    box.player_at(0.0, 0.0, seen_by=[zombie])
    box.step(60)
    box.player_at(12.0, 0.0, seen_by=[])  # the player slips away, out of its sight
    box.step(120)
    later = box.decisions(zombie)[1:]
    assert len(later) == 2
    for turn in later:
        assert _action(turn.decision) == "stalk"
        [move] = [c for c in turn.commands if c["type"] == "move_to"]
        assert move["target"] == [0.0, 0.0, 0.0]  # where it saw the player, not where it is
        assert move["speed"] == 0.7


def test_a_werewolf_that_lost_sight_follows_the_scent(box: Sandbox) -> None:
    wolf = box.spawn("werewolf", at=(-15.0, 10.0, 0.0))
    box.player_at(0.0, 0.0, seen_by=[wolf])
    box.step(10)
    box.player_at(0.0, -5.0, seen_by=[])
    box.step(30)
    turns = [t for t in box.decisions(wolf) if t.frame >= 10]
    assert turns
    for turn in turns:
        assert _action(turn.decision) == "stalk"
        moves = [c for c in turn.commands if c["type"] == "move_to"]
        assert moves == [{**moves[0], "target": [0.0, 0.0, 0.0], "speed": 3.5}]
        assert {"type": "emote", "npc": wolf, "emote": "sniff"} in [
            {k: c[k] for k in ("type", "npc", "emote")} for c in turn.commands if "emote" in c
        ]


def test_the_mood_model_chooses_the_townsfolks_lines(box: Sandbox) -> None:
    hurt = box.spawn("townsfolk", at=(0.0, 3.0, 0.0))  # hurt, and sees the player close
    broken = box.spawn("townsfolk", at=(3.0, 0.0, 0.0))  # badly hurt: runs
    box.world.health[hurt] = 0.55
    box.world.health[broken] = 0.3
    box.player_at(0.0, 0.0, seen_by=[hurt, broken])
    box.step(60)
    assert box.npc(hurt).decision_of("npc_mood").action == "angry"  # type: ignore[union-attr]
    assert box.npc(hurt).mood == "angry"
    said = [c["text"] for c in box.commands if c["type"] == "say"]
    assert "One more step and I call the watch. They know your face, stranger." in said
    assert box.npc(broken).mood == "afraid"
    first = box.decisions(broken)[0]
    assert _action(first.decision) == "flee"
    assert [c["type"] for c in first.commands] == ["flee", "say"]
    assert first.commands[1]["text"] == "God keep us, it's in the lane! Inside, inside!"
