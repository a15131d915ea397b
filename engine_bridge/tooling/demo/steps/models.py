"""Demo step: the NPC decision models at work. A scene of shipped NPCs whose kinds ask the
models (zombies, a werewolf, townsfolk): what the models advised each, what its script did
with the advice, and what deciding costs a frame, there and in a town of a thousand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine_bridge.api import Decision
from engine_bridge.sandbox import DecidedTurn, Sandbox
from vocal.content import content_root

TITLE = "models: what the NPCs were advised, and what they did"
ORDER = 52

_REPO = Path(__file__).resolve().parents[4]
_TOWN_KINDS = ["zombie"] * 6 + ["townsfolk"] * 3 + ["werewolf"]


def _turn(turn: DecidedTurn | None, feeling: Decision | None) -> str:
    if turn is None:
        return "no turn yet"
    if turn.decision is None:
        advice = "no advice (the model is off)"
    else:
        advice = f"advised {turn.decision.action} ({turn.decision.confidence:.0%})"
    if feeling is not None:
        advice += f", feels {feeling.action}"
    did = ", ".join(
        f"{c['type']} {c.get('text') or c.get('emote') or ''}".strip() for c in turn.commands
    )
    return f"{advice}; its script: {did or 'nothing'}"


def _last_turn(box: Sandbox, slot: int) -> str:
    """The NPC's last turn in which its script did something (else its last turn)."""
    turns = box.decisions(slot)
    acted = [t for t in turns if t.commands] or turns
    return _turn(acted[-1] if acted else None, box.npc(slot).decision_of("npc_mood"))


def _scene() -> list[str]:
    box = Sandbox(script_dirs=[_REPO / "npc_scripts"], content_root=content_root())
    try:
        lines = []
        # In the lane: two zombies and a werewolf see the player.
        near = box.spawn("zombie", at=(0.0, 1.0, 0.0))
        lost = box.spawn("zombie", at=(0.0, 10.0, 0.0))
        wolf = box.spawn("werewolf", at=(-15.0, 10.0, 0.0))
        box.player_at(0.0, 0.0, seen_by=[near, lost, wolf])
        box.step(60)
        lines.append(f"a zombie beside the player: {_last_turn(box, near)}")
        # The player slips out of sight of the second zombie and the werewolf.
        box.player_at(0.0, -5.0, seen_by=[near])
        box.step(90)
        lines.append(f"a zombie that lost sight of the player: {_last_turn(box, lost)}")
        lines.append(f"a werewolf that lost sight of the player: {_last_turn(box, wolf)}")
        # In the square, far from the monsters: two townsfolk, one hurt, one badly.
        hurt = box.spawn("townsfolk", at=(40.0, 3.0, 0.0))
        worse = box.spawn("townsfolk", at=(43.0, 0.0, 0.0))
        box.world.health[hurt] = 0.55
        box.world.health[worse] = 0.3
        box.player_at(40.0, 0.0, seen_by=[hurt, worse])
        box.step(60)
        lines.append(f"a hurt townsman: {_last_turn(box, hurt)}")
        lines.append(f"a badly hurt townswoman: {_last_turn(box, worse)}")
        decisions = box.runtime.decisions
        lines.append(
            f"deciding for this scene: {decisions.seconds / max(decisions.frames, 1) * 1e6:.0f} "
            f"us a frame on average ({decisions.frames} frames with a decision)"
        )
        problems = [p for p in box.runtime.problems() if p[0] == "models"]
        lines.append(f"model problems: {len(problems)}")
        return lines
    finally:
        box.close()


def _town(npcs: int = 1_000, frames: int = 120) -> str:
    box = Sandbox(
        script_dirs=[_REPO / "npc_scripts"], content_root=content_root(), capacity=npcs + 1
    )
    try:
        side = 100.0 * math.sqrt(npcs / 1000)
        rng = np.random.default_rng(7)
        for i, (x, y) in enumerate(rng.uniform(0.0, side, (npcs, 2))):
            box.spawn(_TOWN_KINDS[i % len(_TOWN_KINDS)], at=(float(x), float(y), 0.0))
        box.player_at(side / 2, side / 2, seen_by=range(0, npcs, 10))
        box.step(60)
        decisions = box.runtime.decisions
        costs, rows = [], []
        for _ in range(frames):
            box.step(1)
            costs.append(decisions.last_seconds)
            rows.append(decisions.last_rows)
        return (
            f"a town of {npcs} zombies, townsfolk and werewolves: the decision step took "
            f"{np.median(costs) * 1e6:.0f} us a frame (median of {frames}) for "
            f"{np.mean(rows):.0f} rows a frame, two models, one call each"
        )
    finally:
        box.close()


def run(out_dir: Path) -> list[str]:
    del out_dir
    return [*_scene(), _town()]
