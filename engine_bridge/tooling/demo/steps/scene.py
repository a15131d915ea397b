"""Demo step: several monsters talk while walking around the listener, from the graveyard
into the crypt, through the real-time voice engine; a stereo WAV and its timeline picture."""

from __future__ import annotations

import time
from pathlib import Path

from vocal.content import content_root
from vocal.scene import load_scene, render_scene
from vocal.scene_plot import plot_scene

TITLE = "voice engine scene"
ORDER = 30


def run(out_dir: Path) -> list[str]:
    import soundfile

    scene = load_scene(content_root() / "vocal" / "scenes" / "graveyard.toml")
    began = time.perf_counter()
    result = render_scene(scene)
    took = time.perf_counter() - began
    folder = out_dir / "scene"
    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / "graveyard.wav"
    soundfile.write(wav, result.audio, result.sample_rate, subtype="FLOAT")
    picture = plot_scene(scene, result, folder / "graveyard_timeline.png")
    seconds = len(result.audio) / result.sample_rate
    lines = [f"{scene.title}: {seconds:.1f} s of stereo rendered in {took:.1f} s"]
    for name, event in result.events:
        if event.type in ("started", "finished"):
            lines.append(f"  {event.seconds:6.2f} s  {name} {event.type}")
    lines.append(f"wrote {wav} and {picture}")
    return lines
