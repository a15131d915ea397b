"""Demo step: several monsters talk while walking around the listener, from the graveyard
into the crypt, through the real-time voice engine; a stereo WAV and its timeline picture."""

from __future__ import annotations

import time
from pathlib import Path

from engine_bridge.tooling.demo.demo_record import DemoRecord, SpokenLine, WorldEvent
from vocal.content import content_root
from vocal.scene import Scene, SceneRender, load_scene, render_scene
from vocal.scene_plot import plot_scene
from vocal.voice_lines import load_manifest

TITLE = "voice engine scene"
ORDER = 30


def _record(scene: Scene, result: SceneRender, wav: Path, record: DemoRecord) -> None:
    texts = {line.id: line.text for line in load_manifest(content_root())}
    by_name = {npc.name: npc for npc in scene.npcs}
    record.files["scene"] = wav
    for name, event in result.events:
        record.events.append(WorldEvent(TITLE, "second", event.seconds, name, event.type))
        npc = by_name.get(name)
        if event.type != "started" or npc is None:
            continue
        line = npc.line or ""
        record.spoken.append(
            SpokenLine(
                step=TITLE,
                clock="second",
                at=event.seconds,
                speaker=name,
                archetype=npc.archetype,
                text=npc.text or texts.get(line, line),
                line=line,
                wav=record.voice_file(npc.archetype, line),
            )
        )


def run(out_dir: Path, *, record: DemoRecord | None = None) -> list[str]:
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
    if record is not None:
        _record(scene, result, wav, record)
    return lines
