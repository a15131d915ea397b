"""A project with an NPC kind the engine never heard of — the lamplighter — and its own
content root (dialogue table, lore, story) to layer over the shipped content. Shared by the
sandbox tests (test_content_roots.py) and the game tests (test_host.py)."""

from __future__ import annotations

from pathlib import Path

from content_files import write

LAMPLIGHTER_SCRIPT = '''
from engine_bridge.api import Npc


class Lamplighter(Npc):
    """A kind no engine code knows: its content comes from a project's own content root."""

    kind = "lamplighter"
    decision_rate = 1.0

    def on_spawn(self) -> None:
        mine = [hit.id for hit in self.kb.search("lantern oil", known_by=self.kind)]
        theirs = [hit.id for hit in self.kb.search("lantern oil", known_by="ghoul")]
        if mine[:1] == ["lamplighters_oil"] and "lamplighters_oil" not in theirs:
            self.emote("knows_the_oil")  # the lore is the lamplighter's, and only theirs
        self.story.complete("light_the_lamps")
        if self.story.flag("lamps_lit"):
            self.move_to((0.0, 0.0, 0.0))  # the project's story runs beside the shipped one
        self.speak("greeting", player="Edwin")  # its own table; the line needs lamps_lit
'''

LAMPLIGHTER_DIALOGUE = """
[[line]]
id = "lamplighter_greeting"
topic = "greeting"
text = "The lamps are lit, {player}. Walk in the light."
requires_flags = ["lamps_lit"]
"""

LAMPLIGHTER_LORE = """
[[entry]]
id = "lamplighters_oil"
title = "The lamplighter's oil"
tags = ["lantern", "oil"]
text = "Whale oil cut with something that makes the dead keep their distance."
known_by = ["lamplighter"]
"""

LAMPLIGHTER_STORY = """
title = "The lamplighter"
ending = "light_the_lamps"
kinds = ["lamplighter"]

[flags]
lamps_lit = false

[[quest]]
id = "lamplight"
title = "Lamplight"
summary = "Every lamp on Tanners Row, before the bell."

[[beat]]
id = "light_the_lamps"
quest = "lamplight"
title = "Light the lamps"
summary = "The lamplighter does his round."
trigger = {manual = true}
sets = {lamps_lit = true}
"""


def lamplighter_project(base: Path) -> tuple[Path, Path]:
    """A project's scripts folder and content root with a new kind, layered over ours."""
    scripts, content = base / "scripts", base / "content"
    write(scripts, "lamplighter.py", LAMPLIGHTER_SCRIPT)
    write(content, "dialogue/lamplighter.toml", LAMPLIGHTER_DIALOGUE)
    write(content, "lore/lamplighter.toml", LAMPLIGHTER_LORE)
    write(content, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    return scripts, content
