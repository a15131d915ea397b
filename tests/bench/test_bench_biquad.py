"""pytest-benchmark: the cost of one call through the Python face of the voice core.

`make test` runs these once with timing disabled (they must work); `make bench` times them.
"""

from __future__ import annotations

import numpy as np
from pytest_benchmark.fixture import BenchmarkFixture

import vocal


def test_filter_biquad_three_seconds_at_48k(benchmark: BenchmarkFixture) -> None:
    x = np.random.default_rng(1).standard_normal(3 * 48_000).astype(np.float32)
    y = benchmark(vocal.filter_biquad, x, 48_000, "peak", 1_000.0, 1.0, 6.0)
    assert y.shape == x.shape
    assert np.isfinite(y).all()
