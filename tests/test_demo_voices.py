"""The demo's monster-voices step: every line as every archetype, and one picture each."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import pytest
import soundfile

import vocal
from engine_bridge.tooling.demo.steps import voices
from vocal.content import content_root, environment_preset
from vocal.voice_lines import load_manifest

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The step run once for this file: its output folder and its summary lines."""
    out_dir = tmp_path_factory.mktemp("demo")
    return out_dir, voices.run(out_dir)


def test_the_step_renders_the_sixteen_shipped_lines_as_the_five_archetypes() -> None:
    assert len(load_manifest(content_root())) == 16
    assert len(vocal.archetypes()) == 5
    assert set(voices.ENVIRONMENT_BY_ARCHETYPE) == set(vocal.archetypes())


def test_each_archetype_gets_a_png_of_dry_beside_wet(demo: tuple[Path, list[str]]) -> None:
    out_dir, _ = demo
    pictures = sorted((out_dir / "voices").glob("*.png"))
    assert [p.stem for p in pictures] == vocal.archetypes()
    for picture in pictures:
        assert picture.read_bytes()[:8] == _PNG_SIGNATURE
        pixels = matplotlib.image.imread(picture)
        height, width = pixels.shape[:2]
        assert 1200 <= width <= 2400, picture
        assert 700 <= height <= 1400, picture
        assert pixels.std() > 0.05, f"{picture} is nearly blank"


def test_every_line_is_written_dry_and_as_every_archetype_with_its_rooms_tail(
    demo: tuple[Path, list[str]],
) -> None:
    out_dir, _ = demo
    folder = out_dir / "voices"
    lines = load_manifest(content_root())
    assert sorted(p.stem for p in (folder / "dry").glob("*.wav")) == sorted(x.id for x in lines)
    for archetype in vocal.archetypes():
        room = environment_preset(voices.environment_of(archetype))
        wet_files = sorted(p.stem for p in (folder / archetype).glob("*.wav"))
        assert wet_files == sorted(x.id for x in lines)
        for line in lines:
            dry = soundfile.info(str(folder / "dry" / f"{line.id}.wav"))
            wet = soundfile.info(str(folder / archetype / f"{line.id}.wav"))
            assert dry.samplerate == wet.samplerate == line.sample_rate
            # vocal.render appends the room's decay, at most 3 s, as its tail.
            tail = min(room.decay_seconds, 3.0) * line.sample_rate if room.reverb else 0.0
            assert abs(wet.frames - (dry.frames + tail)) < 1, (archetype, line.id)


def test_the_summary_counts_the_renders_and_names_the_folder(
    demo: tuple[Path, list[str]],
) -> None:
    out_dir, summary = demo
    text = "\n".join(summary)
    assert "16 lines x 5 archetypes = 80 renders" in text
    assert str(out_dir / "voices") in text
