"""Run-time text-to-speech: vocal.tts.synthesize and TtsWorker, with real Flite (in-process)
and the real espeak-ng (a program on PATH)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import pytest

from vocal import tts
from vocal.tts import CacheInfo, TtsWorker, synthesize

LINE = "The broker pays four shillings for a body."
BACKENDS = ["flite", "espeak-ng"]
# Each backend's default voice speaks at this rate (Flite's rms: 16 kHz; espeak-ng: 22050).
DEFAULT_RATE = {"flite": 16000, "espeak-ng": 22050}
# A voice with a variant each backend has, to check that the same request speaks the same.
SOME_VOICE = {"flite": "slt", "espeak-ng": "en-gb+whisper"}


def _rms_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


class _Spoken:
    """Every call the worker makes to synthesize (which still runs the real backend), and a
    gate that holds the worker thread until the test opens it."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.gate = threading.Event()
        self.gate.set()


@pytest.fixture
def spoken(monkeypatch: pytest.MonkeyPatch) -> _Spoken:
    record = _Spoken()
    real: Callable[..., tuple[np.ndarray, int]] = tts.synthesize

    def recording_synthesize(text: str, **options: object) -> tuple[np.ndarray, int]:
        record.calls.append((threading.get_ident(), text))
        assert record.gate.wait(timeout=30)
        return real(text, **options)

    monkeypatch.setattr(tts, "synthesize", recording_synthesize)
    return record


@pytest.fixture(autouse=True)
def _no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AICORE_TTS_BACKEND", raising=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_synthesize_returns_audible_float32_speech_of_sentence_length(backend: str) -> None:
    samples, sample_rate = synthesize(LINE, backend=backend)
    assert sample_rate == DEFAULT_RATE[backend]
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    # Nine words at 150 wpm are 3.6 s of words; pauses and the voice's own pace vary it.
    assert 1.0 < samples.size / sample_rate < 5.0
    assert np.max(np.abs(samples)) <= 1.0
    assert _rms_dbfs(samples) > -40.0


def test_the_default_backend_is_flite() -> None:
    default, rate = synthesize(LINE)
    flite, _ = synthesize(LINE, backend="flite")
    assert rate == DEFAULT_RATE["flite"]
    np.testing.assert_array_equal(default, flite)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_faster_speed_gives_a_shorter_line(backend: str) -> None:
    slow, rate = synthesize(LINE, speed=100, backend=backend)
    fast, _ = synthesize(LINE, speed=250, backend=backend)
    assert fast.size / rate < 0.6 * slow.size / rate


@pytest.mark.parametrize("backend", BACKENDS)
def test_voices_are_accepted_and_deterministic(backend: str) -> None:
    voice = SOME_VOICE[backend]
    first, _ = synthesize(LINE, voice=voice, pitch=70, backend=backend)
    second, _ = synthesize(LINE, voice=voice, pitch=70, backend=backend)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("", {}, "non-empty"),
        ("   \n", {}, "non-empty"),
        ("x" * 1001, {}, "1001 characters"),
        (LINE, {"speed": 20}, "speed"),
        (LINE, {"pitch": 100}, "pitch"),
        (LINE, {"pitch": 50.0}, "pitch"),
        (LINE, {"voice": "--stdout"}, "voice"),
        (LINE, {"voice": "xx-no-such-voice"}, "no voice"),
    ],
)
def test_bad_input_raises_value_error(backend: str, text: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize(text, backend=backend, **options)


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_of_exactly_the_limit_is_spoken(backend: str) -> None:
    # Mostly spaces: the limit counts characters, and a short line keeps the test quick.
    text = "Ah" + " " * (tts.MAX_TEXT_CHARS - 4) + "ha"
    assert len(text) == tts.MAX_TEXT_CHARS
    samples, _ = synthesize(text, backend=backend)
    assert samples.size > 0


def test_missing_espeak_ng_raises_an_error_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"espeak-ng.*apt-get install espeak-ng"):
        synthesize(LINE, backend="espeak-ng")


def test_worker_returns_a_future_at_once_and_speaks_on_its_own_thread(
    spoken: _Spoken,
) -> None:
    spoken.gate.clear()
    with TtsWorker() as worker:
        assert worker.backend == "flite"
        future = worker.submit(LINE, voice="slt")
        assert isinstance(future, Future)
        assert not future.done()  # the worker is held at the gate; submit did not wait
        spoken.gate.set()
        samples, sample_rate = future.result(timeout=30)
    assert sample_rate == 16000
    assert _rms_dbfs(samples) > -40.0
    [(thread, text)] = spoken.calls
    assert thread != threading.get_ident()
    assert text == LINE


def test_a_cached_line_is_not_synthesized_again(spoken: _Spoken) -> None:
    with TtsWorker() as worker:
        first, _ = worker.submit(LINE).result(timeout=30)
        second, _ = worker.submit(LINE).result(timeout=30)
        assert worker.cache_info() == CacheInfo(hits=1, misses=1, maxsize=64, currsize=1)
    assert second is first
    assert not first.flags.writeable  # shared between callers, so nobody may change it
    assert len(spoken.calls) == 1


def test_naming_the_default_voice_hits_the_same_cache_entry(spoken: _Spoken) -> None:
    with TtsWorker() as worker:
        worker.submit(LINE).result(timeout=30)
        worker.submit(LINE, voice="rms").result(timeout=30)
        assert worker.cache_info().hits == 1
    assert len(spoken.calls) == 1


def test_different_options_are_cached_separately(spoken: _Spoken) -> None:
    with TtsWorker() as worker:
        low, _ = worker.submit(LINE, pitch=10).result(timeout=30)
        high, _ = worker.submit(LINE, pitch=90).result(timeout=30)
    assert not np.array_equal(low, high)
    assert len(spoken.calls) == 2


def test_a_line_submitted_twice_while_pending_is_synthesized_once(spoken: _Spoken) -> None:
    spoken.gate.clear()
    with TtsWorker() as worker:
        first = worker.submit(LINE)
        second = worker.submit(LINE)
        assert first is not second
        spoken.gate.set()
        assert first.result(timeout=30)[0] is second.result(timeout=30)[0]
    assert len(spoken.calls) == 1


def test_cancelling_one_callers_future_leaves_the_others_alone(spoken: _Spoken) -> None:
    spoken.gate.clear()
    with TtsWorker() as worker:
        first = worker.submit(LINE)
        second = worker.submit(LINE)
        assert first.cancel()
        spoken.gate.set()
        samples, _ = second.result(timeout=30)
    assert first.cancelled()
    assert samples.size > 0


def test_the_least_recently_used_line_is_evicted(spoken: _Spoken) -> None:
    with TtsWorker(cache_size=1) as worker:
        for text in ("One.", "Two.", "One."):
            worker.submit(text).result(timeout=30)
        assert worker.cache_info() == CacheInfo(hits=0, misses=3, maxsize=1, currsize=1)
    assert [text for _, text in spoken.calls] == ["One.", "Two.", "One."]


def test_worker_rejects_bad_input_at_submit() -> None:
    with TtsWorker() as worker, pytest.raises(ValueError, match="non-empty"):
        worker.submit("")


def test_worker_reports_an_unknown_flite_voice_through_the_future() -> None:
    with TtsWorker() as worker, pytest.raises(ValueError, match="flite has no voice 'en'"):
        worker.submit(LINE, voice="en").result(timeout=30)


def test_worker_speaks_with_the_backend_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AICORE_TTS_BACKEND", "espeak-ng")
    with TtsWorker() as worker:
        monkeypatch.delenv("AICORE_TTS_BACKEND")  # read once, when the worker starts
        assert worker.backend == "espeak-ng"
        samples, rate = worker.submit(LINE, voice="en+m3").result(timeout=30)
    assert rate == DEFAULT_RATE["espeak-ng"]
    assert _rms_dbfs(samples) > -40.0


def test_worker_reports_missing_espeak_ng_through_the_future_and_does_not_cache_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    with TtsWorker(backend="espeak-ng") as worker:
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(FileNotFoundError, match="espeak-ng"):
            worker.submit(LINE).result(timeout=30)
        monkeypatch.undo()
        samples, _ = worker.submit(LINE).result(timeout=30)
    assert samples.size > 0


def test_a_worker_with_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown text-to-speech backend 'festival'"):
        TtsWorker(backend="festival")


def test_a_closed_worker_refuses_work_and_closes_twice_quietly() -> None:
    worker = TtsWorker()
    worker.close()
    worker.close()
    with pytest.raises(RuntimeError, match="closed"):
        worker.submit(LINE)
