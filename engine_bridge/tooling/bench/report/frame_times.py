"""Frame times: for every raw series of suite ``frame`` (round times in seconds), a
histogram and its percentiles."""

from __future__ import annotations

import numpy as np

from engine_bridge.tooling.bench.report.embedded_media import image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, Table, nothing_to_show
from engine_bridge.tooling.bench.result_set import ResultSet

__all__ = ["frame_series", "frame_times_section"]

SUITE = "frame"
_BINS = 40


def frame_series(run: ResultSet) -> dict[str, np.ndarray]:
    """The run's non-empty series whose key is in suite ``frame``, by key, in seconds."""
    return {
        key: np.asarray(values, dtype=np.float64)
        for key, values in sorted(run.series.items())
        if key.split("/", 1)[0] == SUITE and values
    }


def frame_times_section(run: ResultSet) -> Section:
    """Percentiles (p50/p90/p99/max, in ms) of every frame series, and its histogram."""
    series = frame_series(run)
    if not series:
        return Section(
            "frame-times",
            "Frame times",
            nothing_to_show(f"the run holds no raw series of suite '{SUITE}'."),
        )
    rows = []
    pictures = []
    for key, seconds in series.items():
        ms = seconds * 1e3
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        rows.append((key, ms.size, f"{p50:.3f}", f"{p90:.3f}", f"{p99:.3f}", f"{ms.max():.3f}"))
        figure = new_plot(9.0, 2.8)
        axes = figure.subplots()
        axes.hist(ms, bins=_BINS, color="#1f4e79", alpha=0.85)
        for value, label, colour in ((p50, "p50", "green"), (p99, "p99", "red")):
            axes.axvline(value, color=colour, linestyle="--", linewidth=1.2, label=label)
        axes.set_title(f"{key}: {ms.size} frames")
        axes.set_xlabel("frame time (ms)")
        axes.set_ylabel("frames")
        axes.legend()
        axes.grid(alpha=0.3)
        pictures.append(image_html(figure, f"frame-time histogram of {key}"))
    table = Table(("series", "frames", "p50 ms", "p90 ms", "p99 ms", "max ms"), rows)
    return Section("frame-times", "Frame times", table.html() + "".join(pictures))
