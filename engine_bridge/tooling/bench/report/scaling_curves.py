"""Scaling curves: every group of figures measured at three or more sizes (NPCs, voices,
clients, events), on log-log axes, with the growth exponent fitted over the group (the
slope of log value over log size: 1 is linear, 2 quadratic)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from engine_bridge.tooling.bench.report.embedded_media import image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, Table, nothing_to_show
from engine_bridge.tooling.bench.result_set import Figure, ResultSet

__all__ = ["ScalingGroup", "exponent_of", "scaling_groups", "scaling_section"]

MIN_SIZES = 3
_MAX_PLOTS = 16


@dataclass(frozen=True)
class ScalingGroup:
    """One benchmark at several sizes: ``family`` its name with the size replaced by
    ``*``, ``points`` (size, value) sorted by size, ``exponent`` the fitted slope."""

    suite: str
    family: str
    unit: str
    points: tuple[tuple[int, float], ...]
    exponent: float


def _family(figure: Figure) -> str:
    """The figure's name with its size taken out, so that its sizes group together."""
    assert figure.size is not None
    size = re.escape(str(figure.size))
    pattern = re.compile(rf"(?<![0-9.]){size}(?![0-9.])")
    # The last mention: ``frame[1000_mixed]`` has one; a name with two numbers ends in the size.
    matches = list(pattern.finditer(figure.name))
    if not matches:
        return figure.name
    last = matches[-1]
    return figure.name[: last.start()] + "*" + figure.name[last.end() :]


def exponent_of(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of log(value) over log(size)."""
    sizes = np.log([p[0] for p in points])
    values = np.log([p[1] for p in points])
    slope, _ = np.polyfit(sizes, values, 1)
    return float(slope)


def scaling_groups(run: ResultSet) -> list[ScalingGroup]:
    """Groups with three or more distinct positive sizes and positive values."""
    grouped: dict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for figure in run.figures:
        if figure.size is None or figure.size <= 0 or figure.kind == "exponent":
            continue
        if not (figure.value > 0 and math.isfinite(figure.value)):
            continue
        grouped[(figure.suite, _family(figure), figure.unit)][figure.size] = figure.value
    groups = []
    for (suite, family, unit), by_size in sorted(grouped.items()):
        if len(by_size) < MIN_SIZES:
            continue
        points = sorted(by_size.items())
        groups.append(ScalingGroup(suite, family, unit, tuple(points), exponent_of(points)))
    return groups


def scaling_section(run: ResultSet) -> Section:
    """The exponents as a table, and each group's curve on log-log axes."""
    groups = scaling_groups(run)
    if not groups:
        return Section(
            "scaling",
            "Scaling",
            nothing_to_show(f"no benchmark was measured at {MIN_SIZES} or more sizes."),
        )
    table = Table(
        ("suite", "benchmark", "sizes", "fitted exponent", "growth"),
        [
            (
                g.suite,
                g.family,
                ", ".join(str(s) for s, _ in g.points),
                f"{g.exponent:.2f}",
                "super-linear" if g.exponent > 1.2 else "linear or better",
            )
            for g in groups
        ],
        row_classes=["bad" if g.exponent > 1.5 else "" for g in groups],
    )
    pictures = []
    for group in groups[:_MAX_PLOTS]:
        sizes = np.array([s for s, _ in group.points], dtype=np.float64)
        values = np.array([v for _, v in group.points])
        figure = new_plot(6.0, 3.2)
        axes = figure.subplots()
        axes.loglog(sizes, values, "o-", color="#1f4e79", label="measured")
        # The fitted line through the geometric means, so it passes through the points' middle.
        centre = math.exp(float(np.mean(np.log(values))))
        middle = math.exp(float(np.mean(np.log(sizes))))
        axes.loglog(
            sizes,
            centre * (sizes / middle) ** group.exponent,
            "--",
            color="#c05000",
            label=f"fit: size^{group.exponent:.2f}",
        )
        axes.set_title(f"{group.suite}/{group.family}")
        axes.set_xlabel("size")
        axes.set_ylabel(group.unit)
        axes.grid(which="both", alpha=0.3)
        axes.legend()
        pictures.append(image_html(figure, f"scaling of {group.suite}/{group.family}"))
    return Section("scaling", "Scaling", table.html() + "".join(pictures))
