"""pytest-benchmark: `vocal.render` of a 3 s line through each archetype, at 48 kHz.

This includes everything the offline path does per call: pitch analysis of the clip,
preparing the chain and the room, rendering, latency compensation and the numpy copies.
The per-block cost of the real-time chain alone is `vocal_bench` (Google Benchmark).
"""

from __future__ import annotations

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

import vocal
from vocal.content import content_root
from vocal.voice_lines import load_line, load_manifest

RATE = 48_000


@pytest.fixture(scope="module")
def three_seconds() -> np.ndarray:
    lines = load_manifest(content_root())
    speech = np.concatenate([load_line(line) for line in lines[:2]])
    source_rate = lines[0].sample_rate
    t = np.arange(3 * RATE) / RATE
    return np.interp(t, np.arange(len(speech)) / source_rate, speech).astype(np.float32)


@pytest.mark.parametrize("archetype", ["vampire", "zombie", "werewolf", "wraith", "ghoul"])
def test_render_three_second_line(
    benchmark: BenchmarkFixture, three_seconds: np.ndarray, archetype: str
) -> None:
    out = benchmark(vocal.render, three_seconds, RATE, archetype, environment="none")
    assert isinstance(out, np.ndarray)
    assert len(out) == len(three_seconds)
