"""The demo's models step: each NPC's advice and what its script did with it, and the
decision step's cost a frame."""

from __future__ import annotations

import re
from pathlib import Path

from engine_bridge.tooling.demo.steps import models


def test_the_models_step_shows_advice_and_what_the_scripts_did(tmp_path: Path) -> None:
    zombie, lost, wolf, hurt, worse, scene_cost, problems, town = models.run(tmp_path)
    assert zombie.startswith("a zombie beside the player: advised attack")
    assert "its script: move_to, attack" in zombie
    assert "advised stalk" in lost
    assert "move_to" in lost
    assert "advised stalk" in wolf
    assert "emote sniff" in wolf
    assert "feels angry" in hurt
    assert "One more step and I call the watch" in hurt  # the mood chose the line
    assert "advised flee" in worse
    assert "feels afraid" in worse
    assert re.search(r"deciding for this scene: \d+ us a frame", scene_cost)
    assert problems == "model problems: 0"
    assert re.search(r"a town of 1000 .* \d+ us a frame .* for \d+ rows a frame", town)
