"""The soak (docs/qa.md, "Soak"): the real aicore-host world watched from outside.

One real 20-second soak (a 5-second warm-up, 15 seconds measured) checks that every
series is sampled and sane; the figures' arithmetic is checked on made-up series. Nothing
asserts a speed: only that frames ran, memory and threads were read, and the series line
up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine_bridge.tooling.bench.soak import SoakResult, _StatsTail, run_soak, sample_interval
from engine_bridge.tooling.bench.soak_figures import (
    RSS_GROWTH_FIGURE,
    SoakSamples,
    least_squares_slope,
    soak_figures,
)

REPO = Path(__file__).resolve().parents[2]
KEYS = ("soak/rss_bytes", "soak/frame_ms", "soak/open_files", "soak/threads", "soak/elapsed_s")


@pytest.fixture(scope="module")
def soak() -> tuple[SoakResult, list[float]]:
    seen: list[float] = []
    return run_soak(0.25, REPO, warmup_minutes=0.08, progress=seen.append), seen


@pytest.mark.slow
def test_a_short_soak_samples_every_series_and_they_line_up(
    soak: tuple[SoakResult, list[float]],
) -> None:
    result, seen = soak
    assert result.problems == []
    assert set(result.series) == set(KEYS)
    lengths = {len(result.series[k]) for k in KEYS}
    assert len(lengths) == 1
    assert lengths.pop() >= 5
    assert all(rss > 10 * 1024 * 1024 for rss in result.series["soak/rss_bytes"])  # Python runs
    assert all(ms > 0 for ms in result.series["soak/frame_ms"])  # frames ran and were timed
    assert all(n >= 3 for n in result.series["soak/open_files"])
    elapsed = result.series["soak/elapsed_s"]
    assert elapsed == sorted(elapsed)
    assert elapsed[-1] < 0.33 * 60 + 5
    assert sum(t >= 0.08 * 60 for t in elapsed) >= 5  # measured after the warm-up
    assert seen == sorted(seen)
    assert 0 < seen[-1] <= 1.0


@pytest.mark.slow
def test_a_short_soak_reports_its_figures(soak: tuple[SoakResult, list[float]]) -> None:
    result, _ = soak
    figures = {f.name: f for f in result.figures}
    growth = figures[RSS_GROWTH_FIGURE]
    assert growth.suite == "soak"
    assert growth.unit == "%/h"
    assert "extrapolated from a 0.25-minute soak after a 4.8 s warm-up" in str(
        growth.extra["basis"]
    )
    assert growth.extra["warmup_s"] == pytest.approx(4.8)
    assert growth.extra["target_met"] in ("yes", "no")
    assert figures["frames"].value > 0
    assert figures["script_errors"].value == 0
    assert figures["frame_time_drift"].value > 0
    # After the warm-up the host runs a fixed set of threads (game, audio, the runtime's).
    assert figures["threads_end"].value == figures["threads_start"].value
    assert figures["rss_end_bytes"].value > 0


def test_about_120_samples_a_soak_1_to_5_s_apart() -> None:
    assert sample_interval(20.0) == 1.0
    assert sample_interval(600.0) == 5.0


def _samples(rss: list[float], frame_ms: list[float], step_s: float = 10.0) -> SoakSamples:
    n = len(rss)
    return SoakSamples(
        elapsed_s=[i * step_s for i in range(n)],
        rss_bytes=rss,
        frame_ms=frame_ms,
        open_files=[20.0] * (n - 1) + [21.0],
        threads=[9.0] * n,
        frames=n * 600,
        script_errors=0,
    )


def test_growth_per_hour_is_the_slope_after_the_warm_up() -> None:
    # A 120 s warm-up, then 480 s measured, sampled every 10 s. Before the warm-up ends memory jumps
    # around (start-up); after it, it grows 1 000 bytes a second on about 100 MB.
    base = 100e6
    rss = [base * 0.5 if i * 10 < 120 else base + 1000.0 * (i * 10 - 120) for i in range(61)]
    figures = {f.name: f for f in soak_figures(_samples(rss, [4.0] * 61), 480.0, 120.0)}
    mean = base + 1000.0 * 240  # the mean of the post-warm-up samples
    assert figures[RSS_GROWTH_FIGURE].value == pytest.approx(1000.0 * 3600 / mean * 100)
    assert figures[RSS_GROWTH_FIGURE].extra["target_met"] == "no"  # about 3.6 %/h
    flat = {f.name: f for f in soak_figures(_samples([base] * 61, [4.0] * 61), 480.0, 120.0)}
    assert flat[RSS_GROWTH_FIGURE].value == 0.0
    assert flat[RSS_GROWTH_FIGURE].extra["target_met"] == "yes"
    assert flat["open_files_end"].extra["grew"] == "yes"
    assert flat["threads_end"].extra["grew"] == "no"


def test_drift_is_the_last_tenths_median_over_the_first() -> None:
    frame_ms = [50.0] * 13 + [4.0] * 24 + [6.0] * 24  # warm-up samples (0-120 s) ignored
    figures = {f.name: f for f in soak_figures(_samples([1e8] * 61, frame_ms), 480.0, 120.0)}
    assert figures["frame_time_drift"].value == pytest.approx(6.0 / 4.0)


def test_too_few_samples_after_the_warm_up_is_an_error() -> None:
    with pytest.raises(ValueError, match="warm-up"):
        soak_figures(_samples([1e8] * 3, [4.0] * 3), 480.0, 120.0)


def test_least_squares_slope() -> None:
    assert least_squares_slope([0, 1, 2, 3], [1, 3, 5, 7]) == pytest.approx(2.0)
    assert least_squares_slope([5], [1]) == 0.0


def test_the_stats_tail_reads_only_whole_new_lines(tmp_path: Path) -> None:
    path = tmp_path / "stats.jsonl"
    tail = _StatsTail(path)
    assert tail.read() == []  # not written yet
    path.write_text('{"frame": 60, "frame_ms_p50": 1.5}\n{"frame": 12')
    assert [line["frame"] for line in tail.read()] == [60]
    with path.open("a") as f:
        f.write('0, "frame_ms_p50": 2.5}\nnot json\n')
    assert [line["frame"] for line in tail.read()] == [120]
    assert tail.last["frame_ms_p50"] == 2.5
    assert tail.bad_lines == 1


def test_a_host_that_cannot_start_is_a_problem_of_the_result(tmp_path: Path) -> None:
    # A checkout without scripts or content: the host stops before any frame (exit 2).
    result = run_soak(0.05, tmp_path, warmup_minutes=0)
    assert result.figures == []
    assert all(values == [] for values in result.series.values())
    assert len(result.problems) == 1
    assert "aicore-host exited before its first second" in result.problems[0]
    assert "--scripts" in result.problems[0] or "--content" in result.problems[0]


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--soak", "nan"], "--soak"),
        (["--soak", "inf"], "--soak"),
        (["--soak", "0"], "--soak"),
        (["--soak", "1", "--soak-warmup", "-1"], "--soak-warmup"),
        (["--soak", "1", "--soak-warmup", "nan"], "--soak-warmup"),
    ],
)
def test_a_soak_length_that_is_not_a_finite_number_of_minutes_is_a_usage_error(
    arguments: list[str], option: str
) -> None:
    # Refused by argparse, naming the option, before any host starts (`--soak nan` used to
    # end in a traceback from run_soak).
    done = subprocess.run(
        [sys.executable, "-m", "engine_bridge.tooling.cli", "bench", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"argument {option}:" in done.stderr
    assert "Traceback" not in done.stderr
