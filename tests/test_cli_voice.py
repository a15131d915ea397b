"""`aicore voice` as a user runs it: list, render, say and play, and how each one fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from cli_runner import run_aicore

import vocal
from vocal.content import content_root, environment_preset
from vocal.playback import output_device

_LINE = content_root() / "voice_lines" / "broker_greeting.wav"


def _tail_frames(environment: str, sample_rate: int) -> float:
    """The room's tail `vocal.render` appends: its decay, at most 3 s; none without reverb."""
    room = environment_preset(environment)
    return min(room.decay_seconds, 3.0) * sample_rate if room.reverb else 0.0


def _assert_one_line_usage_error(out: subprocess.CompletedProcess[str], expected: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith(f"aicore voice: {expected}"), out.stderr
    assert out.stderr.count("\n") == 1, out.stderr
    assert "Traceback" not in out.stderr


def test_list_names_every_archetype_with_its_description_and_every_environment(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    out = run_aicore(venv_bin, clean_env, "voice", "list")
    assert out.returncode == 0, out.stderr
    listed = {line.split()[0]: line for line in out.stdout.splitlines() if line.startswith("  ")}
    assert set(vocal.archetypes()) == {"vampire", "zombie", "werewolf", "wraith", "ghoul"}
    for name in vocal.archetypes():
        assert name in listed, out.stdout
        assert vocal.content.archetype_preset(name).description in listed[name]
    for name in vocal.environments():
        assert name in listed, out.stdout
    assert "decays in 2.4 s" in listed["crypt"]
    assert "occluded above 650 Hz" in listed["underwater"]
    assert "no reverb" in listed["none"]


def test_render_writes_the_line_plus_the_rooms_tail_and_its_three_stems(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "wraith.wav"
    stems = tmp_path / "stems"
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(_LINE),
        str(output),
        "--archetype",
        "wraith",
        "--distance",
        "4",
        "--environment",
        "crypt",
        "--seed",
        "3",
        "--stems",
        str(stems),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") == 1
    assert "wraith" in out.stdout
    assert "crypt" in out.stdout
    assert str(output) in out.stdout
    assert "intensity 0." in out.stdout  # 4 m is past the wraith's near distance

    dry, rate = soundfile.read(_LINE, dtype="float32")
    wet, wet_rate = soundfile.read(output, dtype="float32")
    assert wet_rate == rate
    assert soundfile.info(str(output)).subtype == "FLOAT"
    assert abs(len(wet) - (len(dry) + _tail_frames("crypt", rate))) < 1
    parts = {
        name: soundfile.read(stems / f"{name}.wav", dtype="float32")[0]
        for name in ("voice", "subliminal", "reverb")
    }
    for samples in parts.values():
        assert len(samples) == len(wet)
    np.testing.assert_allclose(
        parts["voice"] + parts["subliminal"] + parts["reverb"], wet, atol=1e-6
    )
    assert np.sqrt(np.mean(parts["reverb"][len(dry) :] ** 2)) > 1e-4  # the tail rings


def test_render_at_intensity_0_in_no_room_gives_back_the_input(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "dry.wav"
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(_LINE),
        str(output),
        "--archetype",
        "werewolf",
        "--intensity",
        "0",
        "--environment",
        "none",
    )
    assert out.returncode == 0, out.stderr
    dry, _ = soundfile.read(_LINE, dtype="float64")
    wet, _ = soundfile.read(output, dtype="float64")
    assert len(wet) == len(dry)
    error_db = 10 * np.log10(np.sum((wet - dry) ** 2) / np.sum(dry**2) + 1e-30)
    assert error_db < -60, f"the difference is {error_db:.1f} dB"


def test_render_mixes_a_stereo_file_down_with_a_note(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    dry, rate = soundfile.read(_LINE, dtype="float32")
    stereo = tmp_path / "stereo.wav"
    soundfile.write(stereo, np.stack([dry, 0.5 * dry], axis=1), rate, subtype="FLOAT")
    output = tmp_path / "out.wav"
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(stereo),
        str(output),
        "-a",
        "ghoul",
        "-e",
        "none",
    )
    assert out.returncode == 0, out.stderr
    assert "2 channels; mixed down to mono" in out.stderr
    assert soundfile.info(str(output)).channels == 1
    assert soundfile.info(str(output)).frames == len(dry)


def test_say_writes_a_spoken_line_as_the_archetype(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "say.wav"
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "say",
        "You should not have come here.",
        "--archetype",
        "werewolf",
        "-o",
        str(output),
        "--environment",
        "corridor",
        "--seed",
        "1",
    )
    assert out.returncode == 0, out.stderr
    assert "werewolf" in out.stdout
    wet, rate = soundfile.read(output, dtype="float64")
    assert len(wet) / rate > 1.2 + 0.5  # the corridor's 1.2 s tail plus the speech
    rms_db = 20 * np.log10(np.sqrt(np.mean(wet**2)))
    assert rms_db > -40, f"the line is {rms_db:.1f} dBFS"


def test_say_speaks_with_the_backend_and_voice_asked_for(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "say.wav"
    args = ["voice", "say", "Who goes there?", "-a", "vampire", "-o", str(output)]
    args += ["--environment", "none", "--backend", "espeak-ng", "--voice", "en-gb+m3"]
    out = run_aicore(venv_bin, clean_env, *args)
    assert out.returncode == 0, out.stderr
    assert soundfile.info(str(output)).samplerate == 22050  # espeak-ng's rate, not Flite's


def test_say_with_an_unknown_backend_or_voice_is_a_usage_error(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    base = ["voice", "say", "Hello.", "-a", "zombie", "-o", str(tmp_path / "o.wav")]
    out = run_aicore(venv_bin, clean_env, *base, "--backend", "festival")
    _assert_one_line_usage_error(out, "unknown text-to-speech backend 'festival'")
    out = run_aicore(venv_bin, clean_env, *base, "--voice", "en-gb+m3")
    _assert_one_line_usage_error(out, "flite has no voice 'en-gb+m3'")
    assert not (tmp_path / "o.wav").exists()


def test_play_without_an_output_device_says_where_the_file_is_and_exits_1(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    if output_device() is not None:
        pytest.skip(f"this machine has an audio output device ({output_device()})")
    out = run_aicore(venv_bin, clean_env, "voice", "play", str(_LINE))
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stderr.startswith("aicore voice: no audio output device")
    assert f"the file is at {_LINE}" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_archetype_is_named_with_the_known_ones(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(_LINE),
        str(tmp_path / "o.wav"),
        "--archetype",
        "lich",
    )
    _assert_one_line_usage_error(out, "unknown archetype 'lich'")
    assert "vampire" in out.stderr
    assert not (tmp_path / "o.wav").exists()


def test_an_unknown_environment_is_a_usage_error(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "say",
        "Hello.",
        "-a",
        "zombie",
        "-o",
        str(tmp_path / "o.wav"),
        "--environment",
        "attic",
    )
    _assert_one_line_usage_error(out, "unknown environment 'attic'")


def test_a_missing_input_file_is_named(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.wav"
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(missing),
        str(tmp_path / "o.wav"),
        "-a",
        "vampire",
    )
    _assert_one_line_usage_error(out, f"{missing}: no such file")


def test_a_file_that_is_not_audio_is_a_usage_error(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x04\x00\x00\x00WAVEjunk")
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(junk),
        str(tmp_path / "o.wav"),
        "-a",
        "vampire",
    )
    _assert_one_line_usage_error(out, f"{junk}: not a readable WAV file")


def test_an_intensity_outside_0_to_1_is_a_usage_error(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(_LINE),
        str(tmp_path / "o.wav"),
        "-a",
        "vampire",
        "--intensity",
        "1.5",
    )
    _assert_one_line_usage_error(out, "intensity must be within 0..1")


def test_distance_and_intensity_together_are_refused(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "render",
        str(_LINE),
        str(tmp_path / "o.wav"),
        "-a",
        "vampire",
        "--distance",
        "2",
        "--intensity",
        "0.5",
    )
    _assert_one_line_usage_error(out, "render: argument --intensity: not allowed with")


def test_scene_renders_the_graveyard_to_stereo_with_a_timeline(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    out = run_aicore(
        venv_bin,
        clean_env,
        "voice",
        "scene",
        str(repo / "content" / "vocal" / "scenes" / "graveyard.toml"),
        "-o",
        str(tmp_path / "scene.wav"),
        "--timeline",
        str(tmp_path / "scene.png"),
    )
    assert out.returncode == 0, out.stderr
    assert "6 lines by 6 NPCs" in out.stdout
    audio, rate = soundfile.read(tmp_path / "scene.wav")
    assert audio.shape[1] == 2
    assert rate == 48_000
    assert (tmp_path / "scene.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_broken_scene_is_a_usage_error_naming_the_field(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    scene = tmp_path / "bad.toml"
    scene.write_text("duration_s = 2\n[[npc]]\narchetype = 'ghoul'\nat_s = 0\npath = [[0,0,0,0]]\n")
    out = run_aicore(
        venv_bin, clean_env, "voice", "scene", str(scene), "-o", str(tmp_path / "x.wav")
    )
    assert out.returncode == 2
    assert "npc[0].line: give exactly one of line" in out.stderr
