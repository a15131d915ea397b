"""A test-only benchmark suite (``aicore bench --suite-dir tests/bench_qa/slowdown_suite``):
a piece of work measured against a fixed reference loop, round by round, whose work
doubles when ``AICORE_BENCH_QA_SLOWDOWN=2``: the deliberate slowdown the gate must catch.

Its file name does not start with ``test_``, so ``make test`` does not collect it; only
``aicore bench`` runs it, by path.
"""

from __future__ import annotations

import os
import statistics
import time

from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.tooling.bench.declared_figures import declare_figure

FACTOR_VARIABLE = "AICORE_BENCH_QA_SLOWDOWN"
STEPS = 20_000
ROUNDS = 60


def _loop(steps: int) -> int:
    total = 0
    for i in range(steps):
        total += i * i
    return total


def test_work_against_a_reference_loop(benchmark: BenchmarkFixture) -> None:
    factor = int(os.environ.get(FACTOR_VARIABLE, "1"))
    work: list[float] = []
    reference: list[float] = []

    def one_round() -> None:
        # Interleaved: a burst of load on the shared machine slows both halves alike.
        started = time.perf_counter()
        _loop(STEPS)
        middle = time.perf_counter()
        _loop(STEPS * factor)
        reference.append(middle - started)
        work.append(time.perf_counter() - middle)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1, warmup_rounds=3)
    ratio = statistics.median(work) / statistics.median(reference)
    declare_figure(benchmark.extra_info, "work_over_reference", ratio, unit="x", kind="ratio")
    assert len(work) == len(reference) >= ROUNDS
