"""The soak: RSS, frame time, open files and threads over the soak's elapsed time, from
the series ``aicore bench --soak`` stores (``soak/rss_bytes``, ``soak/frame_ms``,
``soak/open_files``, ``soak/threads`` against ``soak/elapsed_s``)."""

from __future__ import annotations

from engine_bridge.tooling.bench.report.embedded_media import image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, Table, escape, nothing_to_show
from engine_bridge.tooling.bench.result_set import ResultSet

__all__ = ["SOAK_SERIES", "soak_section"]

SOAK_SERIES: tuple[tuple[str, str, float], ...] = (
    ("soak/rss_bytes", "RSS (MiB)", 1.0 / (1 << 20)),
    ("soak/frame_ms", "frame time (ms)", 1.0),
    ("soak/open_files", "open files", 1.0),
    ("soak/threads", "threads", 1.0),
)
"""Each plotted series: its key, its axis label, the factor to the axis's unit."""

ELAPSED = "soak/elapsed_s"


def soak_section(run: ResultSet) -> Section:
    """Four plots over time (the warm-up shaded), and the soak's own figures, or why there
    is no soak."""
    present = [(k, label, f) for k, label, f in SOAK_SERIES if run.series.get(k)]
    if not present:
        return Section(
            "soak", "Soak", nothing_to_show("this run did not soak (aicore bench --soak).")
        )
    elapsed = run.series.get(ELAPSED, [])
    # The warm-up the figures leave out, shaded on each plot.
    warmup_s = next(
        (
            float(f.extra["warmup_s"])
            for f in run.figures
            if f.suite == "soak" and isinstance(f.extra.get("warmup_s"), int | float)
        ),
        0.0,
    )
    figure = new_plot(10.0, 2.4 * ((len(present) + 1) // 2))
    axes_grid = figure.subplots((len(present) + 1) // 2, 2, squeeze=False)
    notes = []
    for index, (key, label, factor) in enumerate(present):
        values = [v * factor for v in run.series[key]]
        if len(elapsed) == len(values):
            x, x_label = [t / 60.0 for t in elapsed], "elapsed (min)"
        else:
            x, x_label = list(range(len(values))), "sample"
            notes.append(f"{key}: {len(values)} samples, {len(elapsed)} times: drawn by sample")
        axes = axes_grid[index // 2][index % 2]
        if warmup_s > 0 and x_label.startswith("elapsed"):
            axes.axvspan(0.0, warmup_s / 60.0, color="#999999", alpha=0.2, linewidth=0)
        axes.plot(x, values, color="#1f4e79", linewidth=1.0)
        axes.set_title(label)
        # Absolute values on the axis: an offset ("+1.6e2") hides what the RSS is.
        axes.ticklabel_format(axis="y", useOffset=False, style="plain")
        axes.set_xlabel(x_label)
        axes.grid(alpha=0.3)
    for index in range(len(present), len(axes_grid) * 2):
        axes_grid[index // 2][index % 2].set_visible(False)
    figures = [f for f in run.figures if f.suite == "soak"]
    table = (
        Table(
            ("figure", "value", "unit", "kind"),
            [(f.name, f"{f.value:.4g}", f.unit, f.kind) for f in figures],
        ).html()
        if figures
        else "<p>The soak stored no figures, only its series.</p>"
    )
    drawn = {p[0] for p in present}
    missing = [k for k, _, _ in SOAK_SERIES if k not in drawn]
    if missing:
        notes.append("not recorded: " + ", ".join(missing))
    note = "".join(f'<p class="problems">{escape(n)}</p>' for n in notes)
    return Section("soak", "Soak", table + image_html(figure, "soak over time") + note)
