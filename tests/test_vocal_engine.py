"""`vocal.Engine`: many voices through the real-time engine, driven from Python."""

from __future__ import annotations

import numpy as np
import pytest

import vocal
from vocal.content import content_root
from vocal.voice_lines import load_line, load_manifest

RATE = 48_000
BLOCK = 256


@pytest.fixture(scope="module")
def line() -> tuple[np.ndarray, int]:
    first = load_manifest(content_root())[0]
    return load_line(first), first.sample_rate


def _energy(x: np.ndarray) -> float:
    return float(np.sum(np.square(x, dtype=np.float64)))


def test_a_voice_on_the_right_is_heard_on_the_right(line: tuple[np.ndarray, int]) -> None:
    engine = vocal.Engine(RATE, BLOCK, voices=8, environment="none")
    engine.start(line[0], "ghoul", position=(3.0, 0.0, 0.0), sample_rate=line[1])
    out = engine.render(200)
    assert out.shape == (200 * BLOCK, 2)
    assert out.dtype == np.float32
    assert _energy(out[:, 1]) > 100 * _energy(out[:, 0])


def test_events_report_start_and_finish_and_the_clip_is_freed(
    line: tuple[np.ndarray, int],
) -> None:
    engine = vocal.Engine(RATE, BLOCK, voices=8, environment="none")
    v = engine.start(line[0], "vampire", sample_rate=line[1])
    engine.render(1)
    assert [(e.type, e.voice) for e in engine.events()] == [("started", v)]
    assert engine.active_voices == 1
    seconds = len(line[0]) / line[1] + 1.0
    engine.render(int(seconds * RATE / BLOCK))
    events = engine.events()
    assert [(e.type, e.voice) for e in events] == [("finished", v)]
    assert events[0].seconds == pytest.approx(len(line[0]) / line[1] + 0.35, abs=0.05)
    assert engine.active_voices == 0
    assert engine._native.clips == 0


def test_stop_fades_and_a_full_pool_steals_by_priority(line: tuple[np.ndarray, int]) -> None:
    engine = vocal.Engine(RATE, BLOCK, voices=2, environment="none")
    low = engine.start(line[0], "zombie", priority=0, sample_rate=line[1])
    high = engine.start(line[0], "werewolf", priority=5, sample_rate=line[1])
    engine.render(4)
    newer = engine.start(line[0], "wraith", priority=1, sample_rate=line[1])
    engine.render(4)
    types = {(e.type, e.voice) for e in engine.events()}
    assert ("stolen", low) in types
    assert ("started", newer) in types
    assert ("stolen", high) not in types
    engine.stop(newer, fade_ms=20)
    engine.render(10)
    assert ("finished", newer) in {(e.type, e.voice) for e in engine.events()}


def test_the_same_commands_give_bit_identical_renders(line: tuple[np.ndarray, int]) -> None:
    def run() -> np.ndarray:
        engine = vocal.Engine(RATE, BLOCK, voices=8, environment="crypt")
        out = []
        for b in range(120):
            if b % 30 == 0:
                engine.start(
                    line[0], "wraith", position=(b / 10, 2.0, 0.0), seed=b, sample_rate=line[1]
                )
            out.append(engine.render(1))
        return np.concatenate(out)

    a, b = run(), run()
    assert np.array_equal(a, b)
    assert _energy(a) > 1.0


def test_bad_arguments_are_value_errors(line: tuple[np.ndarray, int]) -> None:
    engine = vocal.Engine(RATE, BLOCK, voices=2)
    with pytest.raises(ValueError, match="unknown archetype 'lich'"):
        engine.start(line[0], "lich")
    with pytest.raises(ValueError, match="unknown environment 'moon'"):
        engine.set_environment("moon")
    with pytest.raises(ValueError, match=r"intensity must be within 0\.\.1"):
        engine.start(line[0], "ghoul", intensity=2.0)
    with pytest.raises(ValueError, match="non-empty, finite"):
        engine.start(np.array([np.nan], np.float32), "ghoul")
    with pytest.raises(ValueError, match="block_size"):
        vocal.Engine(RATE, 3)


def test_a_full_command_queue_raises_instead_of_waiting() -> None:
    engine = vocal.Engine(RATE, BLOCK, voices=2)
    sent = 0

    def flood() -> None:
        nonlocal sent
        while sent < 10_000:
            engine.set_listener((0.0, 0.0, 0.0))
            sent += 1

    with pytest.raises(vocal.QueueFullError):
        flood()
    assert 1000 < sent < 10_000
    engine.render(1)
    engine.set_listener((0.0, 0.0, 0.0))  # drained: room again
