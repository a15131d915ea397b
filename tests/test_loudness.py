"""The loudness docs/vocal.md promises: a voice at 1 m through the real-time engine measures
the target integrated loudness (ITU-R BS.1770, pyloudnorm), every shipped line through every
archetype; the chains are about as loud as the dry line; the host's town mix is audible and
never clips."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile
from cli_runner import run_aicore

import vocal
from vocal.content import content_root
from vocal.loudness import TARGET_LUFS, integrated_loudness, normalise_loudness
from vocal.voice_lines import load_line, load_manifest

REPO = Path(__file__).resolve().parent.parent
RATE = 48_000
BLOCK = 512


def _documented_target() -> float:
    doc = (REPO / "docs" / "vocal.md").read_text()
    match = re.search(r"\*\*Loudness\*\*: a voice at 1 m measures (-\d+(\.\d+)?) LUFS", doc)
    assert match, "docs/vocal.md states no loudness target"
    return float(match.group(1))


def test_the_documented_target_is_the_one_the_code_uses() -> None:
    assert _documented_target() == TARGET_LUFS


def _own_lines() -> list[tuple[str, str]]:
    """(archetype, line id): every shipped line of a monster, said by that monster, and one
    of the broker's and one of the townsfolk's said by every archetype."""
    lines = load_manifest(content_root())
    pairs = [(ln.speaker, ln.id) for ln in lines if ln.speaker in vocal.archetypes()]
    others = [ln.id for ln in lines if ln.speaker == "broker"][:1]
    others += [ln.id for ln in lines if ln.speaker == "townsfolk"][:1]
    pairs += [(a, line) for a in vocal.archetypes() for line in others]
    return pairs


@pytest.mark.parametrize(("archetype", "line_id"), _own_lines())
def test_a_shipped_line_at_one_metre_through_the_engine_measures_the_target(
    archetype: str, line_id: str
) -> None:
    line = next(ln for ln in load_manifest(content_root()) if ln.id == line_id)
    engine = vocal.Engine(RATE, BLOCK, voices=4, environment="none")
    engine.start(
        load_line(line), archetype, position=(0.0, 1.0, 0.0), sample_rate=line.sample_rate, seed=7
    )
    blocks = []
    while engine.active_voices or not blocks:
        blocks.append(engine.render(50))
    mix = np.concatenate(blocks)
    assert integrated_loudness(mix, RATE) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert np.max(np.abs(mix)) <= 1.0


@pytest.mark.parametrize("archetype", vocal.archetypes())
def test_each_chain_is_about_as_loud_as_the_dry_line(archetype: str) -> None:
    # output_gain_db makes the full monster as loud as the dry line on average, so a voice's
    # level does not jump as its intensity falls with distance.
    changes = []
    for line in load_manifest(content_root()):
        dry = normalise_loudness(load_line(line), line.sample_rate)
        wet = vocal.render(dry, line.sample_rate, archetype, environment="none")
        changes.append(
            integrated_loudness(wet, line.sample_rate) - integrated_loudness(dry, line.sample_rate)
        )
    assert abs(float(np.mean(changes))) <= 1.0, f"{archetype}: {np.round(changes, 1)}"


def test_normalising_silence_or_a_short_clip_does_not_fail() -> None:
    silence = np.zeros(RATE, np.float32)
    assert np.array_equal(normalise_loudness(silence, RATE), silence)
    t = np.arange(RATE // 10) / RATE
    blip = (0.01 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # 100 ms, shorter than a block
    louder = normalise_loudness(blip, RATE)
    assert integrated_loudness(louder, RATE) == pytest.approx(TARGET_LUFS, abs=0.1)


def test_a_clip_is_never_raised_past_the_peak_ceiling() -> None:
    click = np.zeros(RATE, np.float32)
    click[::4800] = 0.01  # ten tiny clicks: very quiet, very peaky
    out = normalise_loudness(click, RATE)
    assert 20 * np.log10(np.max(np.abs(out))) <= -1.0 + 1e-4


@pytest.mark.slow
def test_the_hosts_town_mix_is_audible_and_never_clips(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    # The demo's town: 300 NPCs of every voiced kind for ten seconds, paced as a game runs
    # (lines are prepared on the loader thread while it plays: a run faster than real time
    # would measure how fast this machine prepares clips, not how loud the town is).
    out = run_aicore(
        venv_bin,
        clean_env,
        "host",
        "--npcs",
        "300",
        "--frames",
        "600",
        "--kinds",
        "zombie,zombie,zombie,townsfolk,vampire,ghoul,wraith,werewolf,aethelred",
        "--realtime",
        "--wav",
        str(tmp_path / "town.wav"),
        "--report",
        str(tmp_path / "report.json"),
        cwd=tmp_path,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["commands_applied"]["say"] > 0
    mix, rate = soundfile.read(tmp_path / "town.wav", dtype="float32")
    assert 20 * np.log10(np.max(np.abs(mix))) <= 0.0
    # Voices at their distances from the player: quieter than one voice at 1 m (-23 LUFS),
    # clearly audible (the mix was -47 LUFS heard from the world's corner).
    assert integrated_loudness(mix, rate) >= -35.0


def test_a_clip_is_measured_through_the_presets_of_the_content_root_it_is_given(
    tmp_path: Path,
) -> None:
    # A packaged game's content is not the source tree's (docs/packaging.md): the clip
    # loader passes the root the voice engine reads its presets from.
    presets = tmp_path / "game" / "vocal"
    (presets / "archetypes").mkdir(parents=True)
    shipped = content_root() / "vocal"
    (presets / "environments.json").write_bytes((shipped / "environments.json").read_bytes())
    ghoul = json.loads((shipped / "archetypes" / "ghoul.json").read_text())
    (presets / "archetypes" / "crypt_ghoul.json").write_text(
        json.dumps({**ghoul, "name": "crypt_ghoul"})
    )
    line = load_manifest(content_root())[0]
    dry = load_line(line)
    with pytest.raises(ValueError, match="crypt_ghoul"):
        normalise_loudness(dry, line.sample_rate, "crypt_ghoul")
    own = normalise_loudness(dry, line.sample_rate, "crypt_ghoul", root=tmp_path / "game")
    assert np.array_equal(own, normalise_loudness(dry, line.sample_rate, "ghoul"))
