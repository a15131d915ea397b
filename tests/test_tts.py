"""Run-time text-to-speech: vocal.tts.synthesize and TtsWorker, with the real espeak-ng."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import pytest

from vocal import tts
from vocal.tts import CacheInfo, TtsWorker, synthesize

LINE = "The broker pays four shillings for a body."


def _rms_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


class _Spoken:
    """Every call the worker makes to synthesize (which still runs espeak-ng), and a gate
    that holds the worker thread until the test opens it."""

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


def test_synthesize_returns_audible_float32_speech_of_sentence_length() -> None:
    samples, sample_rate = synthesize(LINE)
    assert sample_rate == 22050
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert 1.0 < samples.size / sample_rate < 5.0
    assert np.max(np.abs(samples)) <= 1.0
    assert _rms_dbfs(samples) > -40.0


def test_a_faster_speed_gives_a_shorter_line() -> None:
    slow, rate = synthesize(LINE, speed=100)
    fast, _ = synthesize(LINE, speed=250)
    assert fast.size / rate < 0.6 * slow.size / rate


def test_voice_variants_are_accepted_and_deterministic() -> None:
    first, _ = synthesize(LINE, voice="en-gb+whisper", pitch=70)
    second, _ = synthesize(LINE, voice="en-gb+whisper", pitch=70)
    np.testing.assert_array_equal(first, second)


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
def test_bad_input_raises_value_error(text: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize(text, **options)


def test_text_of_exactly_the_limit_is_spoken() -> None:
    samples, _ = synthesize("a" * tts.MAX_TEXT_CHARS)
    assert samples.size > 0


def test_missing_espeak_ng_raises_an_error_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"espeak-ng.*apt-get install espeak-ng"):
        synthesize(LINE)


def test_worker_returns_a_future_at_once_and_speaks_on_its_own_thread(
    spoken: _Spoken,
) -> None:
    spoken.gate.clear()
    with TtsWorker() as worker:
        future = worker.submit(LINE, voice="en+m3")
        assert isinstance(future, Future)
        assert not future.done()  # the worker is held at the gate; submit did not wait
        spoken.gate.set()
        samples, sample_rate = future.result(timeout=30)
    assert sample_rate == 22050
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


def test_worker_reports_missing_espeak_ng_through_the_future_and_does_not_cache_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    with TtsWorker() as worker:
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(FileNotFoundError, match="espeak-ng"):
            worker.submit(LINE).result(timeout=30)
        monkeypatch.undo()
        samples, _ = worker.submit(LINE).result(timeout=30)
    assert samples.size > 0


def test_a_closed_worker_refuses_work_and_closes_twice_quietly() -> None:
    worker = TtsWorker()
    worker.close()
    worker.close()
    with pytest.raises(RuntimeError, match="closed"):
        worker.submit(LINE)
