"""History over stored runs: for each gated figure (kinds ``instructions`` and ``ratio``,
the ones stable enough on a shared machine to gate) a line over the runs, by date, each
point annotated with its commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine_bridge.tooling.bench.report.embedded_media import image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, nothing_to_show
from engine_bridge.tooling.bench.result_set import ResultSet
from vocal.extras import import_extra

__all__ = ["GATED_KINDS", "history_section"]

GATED_KINDS: tuple[str, ...] = ("instructions", "ratio")
_MAX_PLOTS = 40


def _when(run: ResultSet) -> datetime | None:
    try:
        return datetime.fromisoformat(run.started)
    except ValueError:
        return None


def history_section(run: ResultSet, history: Sequence[ResultSet]) -> Section:
    """One line per gated figure over ``history`` and this run (a run already in
    ``history``, same start and commit, is not counted twice)."""
    runs = list(history)
    if not any(r.started == run.started and r.commit == run.commit for r in runs):
        runs.append(run)
    dated = sorted(((w, r) for r in runs if (w := _when(r)) is not None), key=lambda p: p[0])
    undated = len(runs) - len(dated)
    keys = sorted({f.key for _, r in dated for f in r.figures if f.kind in GATED_KINDS})
    if len(dated) < 2 or not keys:
        reason = (
            f"{len(dated)} stored run(s) with a date; a history needs two or more."
            if len(dated) < 2
            else "no gated figure (instructions, ratio) in the stored runs."
        )
        return Section("history", "History", nothing_to_show(reason))
    dates = import_extra("matplotlib.dates", "the benchmark report's history plots")
    pictures = []
    for key in keys[:_MAX_PLOTS]:
        points = [(when, r.by_key()[key], r.commit) for when, r in dated if key in r.by_key()]
        figure = new_plot(8.0, 2.6)
        axes = figure.subplots()
        axes.plot([p[0] for p in points], [p[1].value for p in points], "o-", color="#1f4e79")
        for when, measured, commit in points:
            axes.annotate(
                commit[:8],
                (when, measured.value),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
            )
        axes.set_title(f"{key} ({points[0][1].kind})")
        axes.set_ylabel(points[0][1].unit)
        axes.set_xlabel("run date (UTC)")
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_formatter(dates.DateFormatter("%Y-%m-%d %H:%M"))
        figure.autofmt_xdate()
        pictures.append(image_html(figure, f"history of {key}"))
    notes = []
    if len(keys) > _MAX_PLOTS:
        notes.append(f"{len(keys) - _MAX_PLOTS} more gated figures not drawn.")
    if undated:
        notes.append(f"{undated} run(s) left out: their start time could not be read.")
    head = f"<p>{len(dated)} runs, {len(keys)} gated figures. {' '.join(notes)}</p>"
    return Section("history", "History", head + "".join(pictures))
