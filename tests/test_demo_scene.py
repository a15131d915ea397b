"""The demo's engine scene: a stereo WAV and its timeline picture."""

from __future__ import annotations

from pathlib import Path

import soundfile
from matplotlib import image

from engine_bridge.tooling.demo.steps import scene


def test_the_scene_step_writes_stereo_audio_and_a_timeline(tmp_path: Path) -> None:
    lines = scene.run(tmp_path)
    audio, rate = soundfile.read(tmp_path / "scene" / "graveyard.wav")
    assert audio.ndim == 2
    assert audio.shape[1] == 2
    assert len(audio) >= 24 * rate
    picture = image.imread(tmp_path / "scene" / "graveyard_timeline.png")
    assert picture.shape[0] >= 800
    assert picture.shape[1] >= 1500
    assert sum("started" in line for line in lines) == 6
    assert sum("finished" in line for line in lines) == 6
