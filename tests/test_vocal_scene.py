"""Scenes: several NPCs talking while moving around a listener, through two rooms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vocal.content import content_root
from vocal.scene import load_scene, render_scene

GRAVEYARD = content_root() / "vocal" / "scenes" / "graveyard.toml"


def test_the_shipped_scene_renders_every_npc_through_two_environments() -> None:
    scene = load_scene(GRAVEYARD)
    assert len({n.archetype for n in scene.npcs}) == 5
    assert [name for _, name in scene.environments] == ["open", "crypt"]
    result = render_scene(scene)
    assert result.audio.shape[1] == 2
    assert len(result.audio) >= scene.duration_s * scene.sample_rate
    assert np.max(np.abs(result.audio)) <= 0.97
    started = {name for name, e in result.events if e.type == "started"}
    finished = {name for name, e in result.events if e.type == "finished"}
    assert started == {n.name for n in scene.npcs}
    assert finished == started
    # They moved: every NPC's track covers more than a metre.
    for name, track in result.tracks.items():
        xy = np.array([(x, y) for _, x, y in track])
        assert np.ptp(xy, axis=0).max() > 1.0, name


def test_a_scene_render_is_deterministic() -> None:
    scene = load_scene(GRAVEYARD)
    assert np.array_equal(render_scene(scene).audio, render_scene(scene).audio)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "duration_s = 1\n[[npc]]\narchetype = 'lich'\nline = 'x'\nat_s = 0\npath = [[0,0,0,0]]",
            r"npc\[0\]\.archetype: unknown archetype 'lich'",
        ),
        (
            "duration_s = 1\n[[npc]]\narchetype = 'ghoul'\nat_s = 0\npath = [[0,0,0,0]]",
            r"npc\[0\]\.line: give exactly one of line",
        ),
        (
            "duration_s = 1\n[[npc]]\narchetype = 'ghoul'\nline = 'x'\nat_s = 0\npath = [[0,0,0]]",
            r"npc\[0\]\.path\[0\]: expected \[t_s, x, y, z\]",
        ),
        (
            "[[npc]]\narchetype = 'ghoul'\nline = 'x'\nat_s = 0\npath = [[0,0,0,0]]",
            r"duration_s: is required",
        ),
        (
            "duration_s = 1\n[[environment]]\nat_s = 0\nname = 'moon'\n"
            "[[npc]]\narchetype = 'ghoul'\nline = 'x'\nat_s = 0\npath = [[0,0,0,0]]",
            r"environment\[0\]\.name: unknown environment",
        ),
        ("duration_s = = 1", r"\(top level\): not valid TOML"),
    ],
)
def test_a_broken_scene_names_its_file_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body)
    with pytest.raises(ValueError, match=rf"broken\.toml: {message}"):
        load_scene(path)
