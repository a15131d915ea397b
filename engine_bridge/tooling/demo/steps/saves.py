"""Demo step: the shipped NPCs play, the game saves mid-run and quits, a new runtime starts
from the save folder, and the NPCs remember (docs/saves.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine_bridge.sandbox import Sandbox
from vocal.content import content_root

TITLE = "saves: the NPCs remember after a restart"
ORDER = 55

_REPO = Path(__file__).resolve().parents[4]
_KINDS = ("aethelred", "ghoul", "vampire")


def _game(save_dir: Path) -> tuple[Sandbox, dict[str, int]]:
    box = Sandbox(
        script_dirs=[_REPO / "npc_scripts"], content_root=content_root(), save_dir=save_dir
    )
    # The engine spawns the same NPCs in the same slots when the level loads again.
    slots = {kind: box.spawn(kind, at=(float(i * 3), 4.0, 0.0)) for i, kind in enumerate(_KINDS)}
    box.player_at(0.0, 0.0, seen_by=slots.values())
    return box, slots


def _memories(box: Sandbox, slots: dict[str, int]) -> str:
    broker, ghoul, vampire = (box.npc(slots[kind]) for kind in _KINDS)
    story = box.runtime.content.story
    beats = len(story.completed) if story is not None else 0
    return (
        f"Aethelred has bought {broker.recall('bodies_bought')} bodies, "
        f"the ghoul's hunger is {float(ghoul.recall('hunger')):.3f}, "  # type: ignore[arg-type]
        f"the vampire has greeted the player: {vampire.recall('greeted')}; "
        f"{beats} story beats complete"
    )


def run(out_dir: Path) -> list[str]:
    save_dir = out_dir / "saves"
    shutil.rmtree(save_dir, ignore_errors=True)  # a demo run again starts from nothing
    box, slots = _game(save_dir)
    try:
        box.send("player_seen", npc=slots["aethelred"])  # the story's first beat
        for _ in range(3):
            box.send("custom", name="body_offered", npc=slots["aethelred"])
            box.step(20)
        box.step(600)  # ten seconds: the ghoul grows hungry
        before = _memories(box, slots)
        info = box.runtime.save("midnight", label="after three bodies")
        # Play on past the save: the live store keeps this; loading the save undoes it.
        box.send("custom", name="body_offered", npc=slots["aethelred"])
        box.send("custom", name="grave_opened")
        box.step(600)
        after_save = _memories(box, slots)
    finally:
        box.close()  # the game quits

    again, slots = _game(save_dir)  # a new runtime over the same save folder
    try:
        restarted = _memories(again, slots)
        again.runtime.load("midnight")
        loaded = _memories(again, slots)
        problems = again.runtime.problems()
    finally:
        again.close()
    return [
        f"at the save '{info.slot}' ({info.label}): {before}",
        f"played on ten seconds: {after_save}",
        f"restarted from {save_dir} (the live store): {restarted}",
        f"loaded '{info.slot}': restored {loaded}",
        f"store problems: {len(problems)}",
    ]
