"""Demo step: Aethelred's story played from its first beat to the reckoning, driven by the
same events the engine would send, with the shipped NPCs reacting in the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_bridge.sandbox import Sandbox
from engine_bridge.tooling.demo.demo_record import BeatReached, DemoRecord, SpokenLine, WorldEvent
from vocal.content import content_root

TITLE = "the story of Aethelred, the body broker"
ORDER = 50

_REPO = Path(__file__).resolve().parents[4]

# (event fields, NPC kind involved) in play order; manual beats are completed by name.
_PLAY = [
    ({"type": "player_seen"}, "aethelred"),
    ({"type": "custom", "name": "grave_opened"}, None),
    *[({"type": "custom", "name": "body_delivered"}, "ghoul")] * 3,
    ("the_ledger", None),
    ({"type": "player_seen"}, "vampire"),
    ({"type": "custom", "name": "warm_delivered"}, None),
    *[({"type": "damaged", "amount": 0.1}, "zombie")] * 3,
    ({"type": "player_seen"}, "townsfolk"),
    ("his_name_in_the_ledger", None),
    *[({"type": "custom", "name": "bell_tolls"}, None)] * 3,
    ({"type": "heard_noise", "at": [0.0, 0.0, 0.0], "loudness": 0.4}, "ghoul"),
    ({"type": "custom", "name": "body_left_at_gate"}, None),
    ({"type": "player_seen"}, "wraith"),
    ("say_my_name", None),
    ({"type": "custom", "name": "bones_reburied"}, None),
    ({"type": "heard_noise", "at": [0.0, 0.0, 0.0], "loudness": 0.9}, "werewolf"),
    ({"type": "damaged", "amount": 0.2}, "werewolf"),
    ("take_the_ledger", None),
    ({"type": "custom", "name": "ledger_read_aloud"}, "townsfolk"),
    ({"type": "heard_noise", "at": [0.0, 0.0, 0.0], "loudness": 1.0}, "werewolf"),
]


def _record_said(
    box: Sandbox, commands: list[dict[str, Any]], frame: int, record: DemoRecord
) -> None:
    for command in commands:
        if command.get("type") != "say":
            continue
        npc = box.npc(int(command["npc"]))
        archetype = str(type(npc).archetype or "")
        line = str(command.get("line", ""))
        record.spoken.append(
            SpokenLine(
                step=TITLE,
                clock="frame",
                at=frame,
                speaker=npc.kind,
                archetype=archetype,
                text=str(command["text"]),
                line=line,
                wav=record.voice_file(archetype, line),
            )
        )


def run(out_dir: Path, *, record: DemoRecord | None = None) -> list[str]:
    del out_dir
    box = Sandbox(script_dirs=[_REPO / "npc_scripts"], content_root=content_root())
    try:
        story = box.runtime.scheduler.story
        if story is None:
            raise RuntimeError("the story did not load (content/story/aethelred.toml)")
        slots = {
            kind: box.spawn(kind, at=(float(i * 3), 4.0, 0.0))
            for i, kind in enumerate(
                ["aethelred", "vampire", "zombie", "townsfolk", "ghoul", "wraith", "werewolf"]
            )
        }
        box.player_at(0.0, 0.0, seen_by=slots.values())
        lines = []
        for step, kind in _PLAY:
            before = list(story.completed)
            if isinstance(step, str):
                story.complete(step)
            else:
                fields = dict(step)
                if kind is not None:
                    fields["npc"] = slots[kind]
                box.send(fields.pop("type"), **fields)
            commands = box.step(3)
            frame = box.runtime.scheduler.frame
            for beat in story.completed[len(before) :]:
                lines.append(f"{story.beats[beat].title}")
                if record is not None:
                    record.beats.append(BeatReached(beat, story.beats[beat].title, frame))
                    record.events.append(
                        WorldEvent(TITLE, "frame", frame, "", f"beat: {story.beats[beat].title}")
                    )
            if record is not None:
                what = step if isinstance(step, str) else step.get("name", step["type"])
                record.events.append(WorldEvent(TITLE, "frame", frame, kind or "", str(what)))
                _record_said(box, commands, frame, record)
        said = sum(1 for c in box.commands if c["type"] == "say")
        lines.append(
            f"{len(story.completed)} beats in {len(story.quests)} quests; "
            f"the NPCs spoke {said} lines on the way; ended: {story.ended}"
        )
        return lines
    finally:
        box.close()
