"""`vocal.render` / `vocal.speak`: the Python face of the voice chain, on the shipped lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import voice_analysis as va

import vocal
from vocal.content import archetype_preset, content_root
from vocal.loudness import normalise_loudness
from vocal.voice_lines import load_line, load_manifest

ARCHETYPES = ["vampire", "zombie", "werewolf", "wraith", "ghoul"]


@pytest.fixture(scope="module")
def line() -> tuple[np.ndarray, int]:
    first = load_manifest(content_root())[0]
    return load_line(first), first.sample_rate


def test_the_five_archetypes_and_at_least_five_environments_ship() -> None:
    assert vocal.archetypes() == sorted(ARCHETYPES)
    envs = vocal.environments()
    assert {"open", "corridor", "cave", "crypt", "underwater"} <= set(envs)


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_intensity_zero_is_the_dry_voice(line: tuple[np.ndarray, int], archetype: str) -> None:
    x, rate = line
    out = vocal.render(x, rate, archetype, intensity=0.0, environment="none")
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float32
    error = np.max(np.abs(out[: len(x)] - x))
    assert 20 * np.log10(error + 1e-30) < -60.0


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_stems_add_up_to_the_mix_and_line_up_with_the_input(
    line: tuple[np.ndarray, int], archetype: str
) -> None:
    x, rate = line
    # At the loudness the engine plays lines at (each archetype's full voice is about as
    # loud as the dry line, and its drive and growl add peaks, so a line that already
    # peaks near full scale would pass it).
    x = normalise_loudness(x, rate)
    mix = vocal.render(x, rate, archetype, environment="crypt", seed=3)
    stems = vocal.render(x, rate, archetype, environment="crypt", seed=3, stems=True)
    assert isinstance(stems, dict)
    assert set(stems) == {"voice", "subliminal", "reverb"}
    total = stems["voice"] + stems["subliminal"] + stems["reverb"]
    np.testing.assert_allclose(total, mix, atol=1e-6)
    # The crypt's 2.4 s decay is rendered as tail after the line.
    assert len(mix) == len(x) + int(2.4 * rate)
    assert np.all(np.isfinite(mix))
    assert np.max(np.abs(mix)) < 1.0


def test_same_seed_is_bit_identical_and_another_seed_is_not(
    line: tuple[np.ndarray, int],
) -> None:
    x, rate = line
    a = vocal.render(x, rate, "zombie", seed=11)
    b = vocal.render(x, rate, "zombie", seed=11)
    c = vocal.render(x, rate, "zombie", seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_distance_maps_through_the_archetypes_proximity_curve(
    line: tuple[np.ndarray, int],
) -> None:
    x, rate = line
    preset = archetype_preset("vampire")
    assert preset.intensity_at_distance(0.5) == 1.0
    assert preset.intensity_at_distance(100.0) == 0.0
    near = vocal.render(x, rate, "vampire", distance=0.5, environment="none")
    full = vocal.render(x, rate, "vampire", intensity=1.0, environment="none")
    far = vocal.render(x, rate, "vampire", distance=100.0, environment="none")
    assert np.array_equal(near, full)
    assert np.max(np.abs(far[: len(x)] - x)) < 1e-3
    # Half way, the pitch has moved part of the way down.
    mid = vocal.render(x, rate, "vampire", distance=8.0, environment="none")
    dry_f0 = va.median_f0(x, rate)
    mid_shift = va.semitones(va.median_f0(mid, rate) / dry_f0)
    full_shift = va.semitones(va.median_f0(full, rate) / dry_f0)
    assert full_shift < mid_shift < -0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"archetype": "banshee"}, "unknown archetype 'banshee' \\(known: ghoul, vampire"),
        ({"environment": "moon"}, "unknown environment 'moon' \\(known: cave, corridor"),
        ({"sample_rate": 100}, "sample_rate must be an integer within 8000..192000"),
        ({"sample_rate": 44100.5}, "sample_rate must be an integer"),
        ({"samples": np.zeros(0, np.float32)}, "samples is empty"),
        ({"samples": np.array([0.0, np.nan], np.float32)}, "NaN or inf"),
        ({"samples": np.array([0.0, np.inf], np.float32)}, "NaN or inf"),
        ({"samples": np.zeros((10, 2), np.float32)}, "mono"),
        ({"intensity": 1.5}, "intensity must be within 0..1"),
        ({"distance": -1.0}, "distance must be"),
        ({"seed": -1}, "seed must be an integer"),
        ({"intensity": 0.5, "distance": 2.0}, "not both"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(
    line: tuple[np.ndarray, int], kwargs: dict[str, object], message: str
) -> None:
    x, rate = line
    args: dict[str, object] = {"samples": x, "sample_rate": rate, "archetype": "ghoul"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        vocal.render(**args)  # type: ignore[arg-type]


def test_speak_synthesises_then_renders() -> None:
    audio, rate = vocal.speak("The body is fresh.", "ghoul", environment="none")
    assert isinstance(audio, np.ndarray)
    assert rate == 16000  # Flite's default voice
    assert 0.8 * rate < len(audio) < 4 * rate
    assert 20 * np.log10(np.sqrt(np.mean(audio**2))) > -40


def test_play_without_a_device_says_so(line: tuple[np.ndarray, int]) -> None:
    if vocal.playback.output_device() is not None:
        pytest.skip("this machine has an audio output device")
    with pytest.raises(RuntimeError, match="no audio output device"):
        vocal.play(line[0], line[1])


def test_a_broken_preset_names_its_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "content"
    (root / "vocal" / "archetypes").mkdir(parents=True)
    (root / "vocal" / "environments.json").write_text(
        (content_root() / "vocal" / "environments.json").read_text()
    )
    (root / "vocal" / "archetypes" / "lich.json").write_text(
        '{"name": "lich", "pitch": {"semitones": -30}}'
    )
    monkeypatch.setenv("AICORE_CONTENT", str(root))
    with pytest.raises(
        ValueError, match=r"lich\.json: pitch\.semitones: must be within \[-12, 12\], got -30"
    ):
        vocal.render(np.zeros(1000, np.float32), 22050, "lich")


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_algorithmic_latency_is_at_most_ten_milliseconds(archetype: str) -> None:
    latency = vocal.latency_ms(archetype, 48_000)
    assert 0.0 <= latency <= 10.0
