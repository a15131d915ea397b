"""The text-to-speech backends themselves (vocal.tts_backends): which one is chosen, Flite
linked in-process needing no program on PATH and printing nothing, its voices, its speed
and pitch mapping, and its safety when two threads speak at once."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap
import threading

import numpy as np
import parselmouth
import pytest

from vocal.tts_backends import BACKEND_NAMES, TtsBackend, _flite, get_backend

LINE = "The broker pays four shillings for a body."
PASSAGE = (
    "The keeper said that two men had drowned in the river, and that their families "
    "could not afford a burial."
)


@pytest.fixture(autouse=True)
def _no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AICORE_TTS_BACKEND", raising=False)


def _median_f0_hz(samples: np.ndarray, rate: int) -> float:
    pitch = parselmouth.Sound(samples.astype(np.float64), rate).to_pitch(
        pitch_floor=40.0, pitch_ceiling=600.0
    )
    f0 = pitch.selected_array["frequency"]
    return float(np.median(f0[f0 > 0]))


def test_every_backend_says_what_it_is() -> None:
    described = {name: get_backend(name) for name in BACKEND_NAMES}
    for backend in described.values():
        assert isinstance(backend, TtsBackend)
        assert backend.licence
    assert described["flite"].in_process
    assert "BSD" in described["flite"].licence
    assert not described["espeak-ng"].in_process
    assert described["espeak-ng"].licence == "GPL-3.0-or-later"
    assert "en" in described["espeak-ng"].voices()


def test_flite_links_five_english_voices_each_speaking_at_its_own_rate() -> None:
    flite = get_backend("flite")
    assert flite.voices() == ("rms", "slt", "awb", "kal16", "kal")
    assert flite.default_voice() == "rms"
    for voice in flite.voices():
        samples, rate = flite.synthesize("Who goes there?", voice, 150, 50)
        assert rate == (8000 if voice == "kal" else 16000), voice
        assert 0.4 < samples.size / rate < 3.0, voice
        assert np.sqrt(np.mean(np.square(samples, dtype=np.float64))) > 0.01, voice


def test_an_unknown_backend_is_named_with_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"'festival'; known: flite, espeak-ng"):
        get_backend("festival")
    monkeypatch.setenv("AICORE_TTS_BACKEND", "festival")
    with pytest.raises(ValueError, match=r"'festival' \(from AICORE_TTS_BACKEND\)"):
        get_backend()


def test_the_environment_picks_the_backend_and_a_caller_overrides_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_backend().name == "flite"
    monkeypatch.setenv("AICORE_TTS_BACKEND", "espeak-ng")
    assert get_backend().name == "espeak-ng"
    assert get_backend("flite").name == "flite"


def test_the_default_backend_speaks_with_no_program_on_path_and_prints_nothing(
    tmp_path,
) -> None:
    child = textwrap.dedent(
        """
        import sys
        import numpy as np
        from vocal.tts import synthesize

        samples, rate = synthesize("Nobody here but us corpses.")
        assert rate == 16000 and samples.size > rate // 2
        assert float(np.max(np.abs(samples))) > 0.05
        print(f"spoke {samples.size} samples at {rate} Hz", file=sys.stderr)
        """
    )
    # An empty PATH and no AICORE_TTS_BACKEND: only what the process links can speak.
    env = {"PATH": "", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-c", child],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""  # Flite writes nothing to stdout, the game's or a tool's
    assert b"spoke" in done.stderr


def test_two_threads_speaking_at_once_get_what_each_would_alone() -> None:
    flite = get_backend("flite")
    requests = [("One broker.", "rms", 150, 50), ("Two corpses, fresh.", "slt", 200, 70)] * 3
    alone = [flite.synthesize(*request)[0] for request in requests]
    together: list[np.ndarray | None] = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def speak(i: int) -> None:
        start.wait()
        together[i] = flite.synthesize(*requests[i])[0]

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for expected, got in zip(alone, together, strict=True):
        assert got is not None
        np.testing.assert_array_equal(got, expected)


def test_flite_speed_is_words_per_minute_and_doubling_it_halves_the_line() -> None:
    assert _flite.natural_speed_wpm("rms") == 199
    assert _flite.natural_speed_wpm("en") == 0
    assert _flite.duration_stretch(1.0, 150, 150) == 1.0
    assert _flite.duration_stretch(1.1, 200, 400) == pytest.approx(0.55)
    flite = get_backend("flite")
    for voice in ("rms", "slt"):
        normal, rate = flite.synthesize(PASSAGE, voice, 150, 50)
        double, _ = flite.synthesize(PASSAGE, voice, 300, 50)
        words = len(PASSAGE.split())
        assert normal.size / rate == pytest.approx(words / 150 * 60, rel=0.2), voice
        assert double.size / normal.size == pytest.approx(0.5, rel=0.1), voice


def test_flite_pitch_moves_the_voice_in_semitones_an_octave_either_side() -> None:
    assert _flite.f0_shift(50) == 1.0
    assert _flite.f0_shift(0) == 0.5
    assert _flite.f0_shift(100) == 2.0  # the formula's end; 99 is the highest accepted
    flite = get_backend("flite")
    for voice in flite.voices():
        low, rate = flite.synthesize(LINE, voice, 150, 25)
        high, _ = flite.synthesize(LINE, voice, 150, 75)
        # 50 steps apart are an octave: the median F0 doubles (Praat's tracker, independent).
        ratio = _median_f0_hz(high, rate) / _median_f0_hz(low, rate)
        assert ratio == pytest.approx(2.0, rel=0.15), voice


def test_flite_speaks_text_with_non_ascii_letters_and_symbols() -> None:
    samples, rate = get_backend("flite").synthesize("Café naïve — ☃ 42 £.", "rms", 150, 50)
    assert samples.size / rate > 0.3


def test_speaking_leaves_the_processes_own_rand_sequence_alone() -> None:
    # Flite's vocoders draw their noise from C's rand(): a game calling rand() between two
    # lines must get the next number of its own sequence, not one restarted by the line.
    libc = ctypes.CDLL(None)
    flite = get_backend("flite")
    libc.srand(4242)
    expected = [libc.rand() for _ in range(6)]
    libc.srand(4242)
    got = [libc.rand() for _ in range(3)]
    first, _ = flite.synthesize("The bell tolls twice.", "rms", 150, 50)
    got += [libc.rand() for _ in range(3)]
    assert got == expected
    # And the line is still the same each time, whatever the process's state was.
    libc.srand(7)
    again, _ = flite.synthesize("The bell tolls twice.", "rms", 150, 50)
    np.testing.assert_array_equal(again, first)
