"""What a soak's samples say: memory growth per hour, frame-time drift, open files and
threads at the start and the end (docs/qa.md, "Soak").

Pure functions of the sampled series, so they are tested on series made up for the
purpose; :mod:`.soak` samples a real host and calls :func:`soak_figures`.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from engine_bridge.tooling.bench.result_set import Figure

__all__ = [
    "DEFAULT_WARMUP_MINUTES",
    "RSS_GROWTH_FIGURE",
    "RSS_GROWTH_TARGET_PCT_PER_HOUR",
    "SUITE",
    "SoakSamples",
    "least_squares_slope",
    "soak_figures",
]

SUITE = "soak"
RSS_GROWTH_FIGURE = "rss_growth_pct_per_hour"
"""The figure the target is checked on: ``soak/rss_growth_pct_per_hour``."""
RSS_GROWTH_TARGET_PCT_PER_HOUR = 1.0
"""docs/qa.md, "Soak": after the warm-up, resident memory grows by at most 1 % per hour."""

DEFAULT_WARMUP_MINUTES = 10.0
"""The warm-up played before a soak's measured minutes, left out of every figure
(docs/qa.md, "Soak"). In the shipped world memory settles at about nine minutes: the
heap's in-use bytes rise ever more slowly for the first four to five (heaptrack), and a
line first said at 7.5 minutes (a ghoul reading out a lore title) brings its clip. A
25-minute soak measured 1.42 %/h over minutes 2-10 and 0.16 %/h over minutes 10-25."""


@dataclass(frozen=True)
class SoakSamples:
    """The samples, one per index across all lists."""

    elapsed_s: Sequence[float]
    rss_bytes: Sequence[float]
    frame_ms: Sequence[float]
    open_files: Sequence[float]
    threads: Sequence[float]
    frames: int
    """Frames the host ran in all."""
    script_errors: int


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The slope of the least-squares line through the points (0 for fewer than two
    distinct xs)."""
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def soak_figures(samples: SoakSamples, measured_s: float, warmup_s: float) -> list[Figure]:
    """The soak's figures from its samples: ``warmup_s`` seconds of warm-up left out, then
    ``measured_s`` seconds measured. Raises ValueError when no sample is past the warm-up."""
    after = [i for i, t in enumerate(samples.elapsed_s) if t >= warmup_s]
    if len(after) < 2:
        raise ValueError(
            f"{len(after)} sample(s) after the {warmup_s:g} s warm-up: too few for any figure"
        )
    minutes = measured_s / 60.0
    basis = f"extrapolated from a {minutes:.3g}-minute soak after a {warmup_s:g} s warm-up"
    t = [samples.elapsed_s[i] for i in after]
    rss = [samples.rss_bytes[i] for i in after]
    slope = least_squares_slope(t, rss)  # bytes per second
    mean_rss = statistics.fmean(rss)
    growth = slope * 3600.0 / mean_rss * 100.0
    met = growth <= RSS_GROWTH_TARGET_PCT_PER_HOUR

    frame = [samples.frame_ms[i] for i in after]
    tenth = max(1, len(frame) // 10)
    first_p50 = statistics.median(frame[:tenth])
    last_p50 = statistics.median(frame[-tenth:])

    def count(name: str, series: Sequence[float], unit: str) -> list[Figure]:
        start, end = series[after[0]], series[after[-1]]
        grew = "yes" if end > start else "no"
        return [
            Figure(SUITE, f"{name}_start", start, unit, "count", extra={"at_s": t[0]}),
            Figure(SUITE, f"{name}_end", end, unit, "count", extra={"at_s": t[-1], "grew": grew}),
        ]

    return [
        Figure(
            SUITE,
            RSS_GROWTH_FIGURE,
            growth,
            "%/h",
            "memory",
            extra={
                "basis": basis,
                "slope_bytes_per_s": slope,
                "mean_rss_bytes": mean_rss,
                "samples": len(after),
                "warmup_s": warmup_s,
                "target": f"<= {RSS_GROWTH_TARGET_PCT_PER_HOUR:g} %/h",
                "target_met": "yes" if met else "no",
            },
        ),
        Figure(SUITE, "rss_start_bytes", rss[0], "bytes", "memory", extra={"at_s": t[0]}),
        Figure(SUITE, "rss_end_bytes", rss[-1], "bytes", "memory", extra={"at_s": t[-1]}),
        Figure(
            SUITE,
            "frame_time_drift",
            last_p50 / first_p50 if first_p50 > 0 else 0.0,
            "x",
            "ratio",
            extra={
                "first_tenth_p50_ms": first_p50,
                "last_tenth_p50_ms": last_p50,
                "samples_per_tenth": tenth,
                "basis": "p50 of the last tenth of the samples over the first tenth after the "
                "warm-up (1: no drift)",
            },
        ),
        Figure(SUITE, "frame_ms_p50", statistics.median(frame), "ms", "wall"),
        *count("open_files", samples.open_files, "files"),
        *count("threads", samples.threads, "threads"),
        Figure(SUITE, "frames", samples.frames, "frames", "count", extra={"minutes": minutes}),
        Figure(SUITE, "script_errors", samples.script_errors, "errors", "count"),
    ]
