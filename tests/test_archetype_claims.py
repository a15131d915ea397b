"""Every measurable claim docs/vocal.md makes about the archetypes, checked on real speech.

The claims table is read from the doc itself, so the doc and the test cannot drift apart.
What the final voice sounds like is measured by Praat (praat-parselmouth), a standard
tracker independent of this project's analysis.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import parselmouth
import pytest
import voice_analysis as va
from parselmouth.praat import call

import vocal
from vocal import _native
from vocal.content import content_root, environment_preset
from vocal.voice_lines import load_line, load_manifest

REPO = Path(__file__).resolve().parent.parent


def _claims() -> dict[str, dict[str, str]]:
    doc = (REPO / "docs" / "vocal.md").read_text()
    table = doc.split("<!-- claims -->", 2)[1]
    rows = [r.strip().strip("|").split("|") for r in table.strip().splitlines()[2:]]
    header = ["archetype", "f0", "formant", "heard_f0", "heard_formant", "rasp", "subliminal"]
    return {r[0].strip(): dict(zip(header, (c.strip() for c in r), strict=True)) for r in rows}


CLAIMS = _claims()


def _number(text: str) -> float:
    match = re.search(r"[-+]?\d+(\.\d+)?", text)
    assert match, f"no number in the claim {text!r}"
    return float(match.group(0))


@pytest.fixture(scope="module")
def speech() -> list[tuple[np.ndarray, int]]:
    lines = load_manifest(content_root())
    # Four speakers the archetypes are not: the broker and townsfolk, man and woman.
    chosen = [ln for ln in lines if ln.speaker in ("aethelred", "townsfolk")][:4]
    return [(load_line(ln), ln.sample_rate) for ln in chosen]


def _pitch_stage(archetype: str) -> _native.ArchetypePreset:
    preset = json.loads((content_root() / "vocal" / "archetypes" / f"{archetype}.json").read_text())
    return _native.parse_archetype(
        json.dumps({"name": f"{archetype}-pitch-stage", "pitch": preset["pitch"]}), "claims"
    )


def test_the_doc_claims_something_for_every_archetype() -> None:
    assert sorted(CLAIMS) == vocal.archetypes()


@pytest.mark.parametrize("archetype", sorted(CLAIMS))
def test_f0_shift_and_formant_ratio_on_real_speech(
    speech: list[tuple[np.ndarray, int]], archetype: str
) -> None:
    claimed_st = _number(CLAIMS[archetype]["f0"])
    claimed_formant = _number(CLAIMS[archetype]["formant"])
    stage = _pitch_stage(archetype)
    shifts, scales = [], []
    for x, rate in speech:
        out = _native.render_line(x, float(rate), stage, environment_preset("none"), 1.0)["voice"]
        shifts.append(va.semitones(va.median_f0(out, rate) / va.median_f0(x, rate)))
        scales.append(va.spectral_envelope_scale(x, out, rate))
    assert np.median(shifts) == pytest.approx(claimed_st, abs=0.5)
    assert np.median(scales) == pytest.approx(claimed_formant, rel=0.03)


def _praat_f0_hz(x: np.ndarray, rate: int) -> float:
    """Median F0 of the voiced frames, Praat's autocorrelation tracker (floor 40 Hz: a
    werewolf six semitones under a low man's voice, or a sub-octave, is still in range)."""
    pitch = parselmouth.Sound(x.astype(np.float64), rate).to_pitch(pitch_floor=40.0)
    f0 = pitch.selected_array["frequency"]
    assert np.count_nonzero(f0) >= 20, "too few voiced frames"
    return float(np.median(f0[f0 > 0]))


def _praat_formants_hz(x: np.ndarray, rate: int) -> np.ndarray:
    """Median F1, F2, F3 over voiced frames, from Praat's FormantPath: Burg LPC at eleven
    ceilings from 3.7 to 6.7 kHz, the best path through them chosen per frame, so a
    smaller or larger vocal tract is tracked without saying which to expect."""
    sound = parselmouth.Sound(x.astype(np.float64), rate)
    pitch = sound.to_pitch(pitch_floor=40.0)
    # time step, formants, middle ceiling, window, pre-emphasis from, ceiling step, steps
    path = call(sound, "To FormantPath (burg)", 0.01, 5.0, 5000.0, 0.025, 50.0, 0.05, 6)
    # Praat's defaults: Q, frequency change, stress and ceiling change weights, intensity
    # modulation step, window, coefficients per track, power.
    call(path, "Path finder", 1.0, 1.0, 1.0, 1.0, 5.0, 0.035, "3 3 3 3", 1.25)
    formant = call(path, "Extract Formant")
    voiced = [t for t in formant.ts() if pitch.get_value_at_time(t) > 0]
    medians = []
    for n in (1, 2, 3):
        values = np.array([formant.get_value_at_time(n, t) for t in voiced])
        medians.append(float(np.median(values[np.isfinite(values)])))
    return np.array(medians)


@pytest.fixture(scope="module")
def dry_praat(speech: list[tuple[np.ndarray, int]]) -> list[tuple[float, np.ndarray]]:
    return [(_praat_f0_hz(x, rate), _praat_formants_hz(x, rate)) for x, rate in speech]


@pytest.mark.slow
@pytest.mark.parametrize("archetype", sorted(CLAIMS))
def test_the_final_voice_has_the_heard_f0_and_formants_praat_measures(
    speech: list[tuple[np.ndarray, int]],
    dry_praat: list[tuple[float, np.ndarray]],
    archetype: str,
) -> None:
    claimed_st = _number(CLAIMS[archetype]["heard_f0"])
    claimed_formant = _number(CLAIMS[archetype]["heard_formant"])
    shifts, ratios = [], []
    for (x, rate), (dry_f0, dry_formants) in zip(speech, dry_praat, strict=True):
        # The whole chain, as a player hears it up close (seeded: the same every run).
        wet = vocal.render(x, rate, archetype, environment="none", seed=0)
        shifts.append(va.semitones(_praat_f0_hz(wet, rate) / dry_f0))
        ratios.append(_praat_formants_hz(wet, rate) / dry_formants)
    heard_st = float(np.median(shifts))
    heard_formant = float(np.median(np.median(ratios, axis=0)))
    assert heard_st == pytest.approx(claimed_st, abs=0.5), (
        f"{archetype}: Praat F0 {heard_st:+.2f} st"
    )
    assert heard_formant == pytest.approx(claimed_formant, rel=0.05), (
        f"{archetype}: Praat formants x{heard_formant:.3f}"
    )


@pytest.mark.parametrize("archetype", sorted(CLAIMS))
def test_rasp_lowers_the_harmonics_to_noise_ratio_as_claimed(
    speech: list[tuple[np.ndarray, int]], archetype: str
) -> None:
    claim = CLAIMS[archetype]["rasp"]
    drops = []
    for x, rate in speech:
        wet = vocal.render(x, rate, archetype, environment="none", stems=True)["voice"]
        drops.append(va.hnr_db(x, rate) - va.hnr_db(wet, rate))
    drop = float(np.mean(drops))
    limit = _number(claim)
    if claim.startswith("≥"):
        assert drop >= limit, f"{archetype}: HNR fell {drop:.1f} dB, claimed {claim}"
    else:
        assert claim.startswith("<")
        assert drop < limit, f"{archetype}: HNR fell {drop:.1f} dB, claimed {claim}"


@pytest.mark.parametrize("archetype", sorted(CLAIMS))
def test_subliminal_layer_is_at_most_five_percent_of_the_voice_rms(
    speech: list[tuple[np.ndarray, int]], archetype: str
) -> None:
    layer = CLAIMS[archetype]["subliminal"].split()[0]
    assert (
        _native.load_archetype(
            str(content_root() / "vocal" / "archetypes" / f"{archetype}.json")
        ).subliminal_layer
        == layer
    )
    for x, rate in speech:
        stems = vocal.render(x, rate, archetype, environment="none", stems=True)
        relative = va.rms_db(stems["subliminal"]) - va.rms_db(stems["voice"])
        assert relative <= -26.0, f"{archetype}: layer at {relative:.1f} dB re voice"
        assert relative >= -45.0, f"{archetype}: the layer is missing ({relative:.1f} dB)"


def _features(x: np.ndarray, rate: int) -> np.ndarray:
    """Third-octave spectrum shape (dB), plus pitch and HNR scaled to count like 3 bands."""
    return np.concatenate(
        [
            va.band_levels_db(x, rate),
            [3 * va.semitones(va.median_f0(x, rate) / 100.0), 2 * va.hnr_db(x, rate)],
        ]
    )


def test_the_five_are_clearly_distinct_from_each_other_and_from_the_dry_voice(
    speech: list[tuple[np.ndarray, int]],
) -> None:
    rate = speech[0][1]
    x = np.concatenate([s for s, _ in speech])
    voices = {"dry": x}
    for archetype in vocal.archetypes():
        voices[archetype] = vocal.render(x, rate, archetype, environment="none", stems=True)[
            "voice"
        ]
    features = {name: _features(v, rate) for name, v in voices.items()}
    for a, b in itertools.combinations(features, 2):
        distance = float(np.sqrt(np.mean((features[a] - features[b]) ** 2)))
        assert distance >= 3.0, f"{a} and {b} are too alike ({distance:.2f})"


@pytest.mark.parametrize("environment", ["open", "corridor", "crypt", "cave", "underwater"])
def test_each_environment_decays_in_its_rt60(environment: str) -> None:
    rate = 22050
    impulse = np.zeros(rate // 10, np.float32)
    impulse[0] = 1.0
    room = environment_preset(environment)
    stems = vocal.render(
        impulse,
        rate,
        "vampire",
        intensity=0.0,
        environment=environment,
        stems=True,
        tail_seconds=2.5 * room.decay_seconds,
    )
    assert va.rt60_seconds(stems["reverb"], rate) == pytest.approx(room.decay_seconds, rel=0.15)


def test_underwater_occludes_the_direct_voice(speech: list[tuple[np.ndarray, int]]) -> None:
    x, rate = speech[0]
    open_air = vocal.render(x, rate, "ghoul", intensity=0.0, environment="none", stems=True)
    water = vocal.render(x, rate, "ghoul", intensity=0.0, environment="underwater", stems=True)
    f, a = va.ltas_db(open_air["voice"], rate)
    _, b = va.ltas_db(water["voice"], rate)
    high = f > 3000
    assert np.mean(a[high] - b[high]) > 15.0
