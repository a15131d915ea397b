"""Growth exponents: how a cost grows with its workload's size.

For each series of figures (the same benchmark at three or more sizes: NPCs, voices,
clients, events; :mod:`engine_bridge.tooling.bench.figure_names`) of a cost (``wall`` or
``instructions``), the least-squares slope of log(value) over log(size): 1 is linear, 2
quadratic, below 1 a fixed cost that the work amortises. It becomes a figure of kind
``exponent``, ``<series>.exponent``, unit ``""``, so that QA sees when a path goes
quadratic long before the times say so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from engine_bridge.tooling.bench.result_set import Figure

__all__ = ["COST_KINDS", "MIN_SIZES", "exponent_figures", "fit_exponent"]

MIN_SIZES = 3
COST_KINDS = frozenset({"wall", "instructions"})


def fit_exponent(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The slope of log(value) over log(size) by least squares, and the fit's R²
    (1: every point on the line). Needs two distinct positive sizes and positive values."""
    if any(size <= 0 or value <= 0 for size, value in points):
        raise ValueError("sizes and values must be positive for a log-log fit")
    xs = [math.log(size) for size, _ in points]
    ys = [math.log(value) for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a log-log fit needs at least two different sizes")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    syy = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - (mean_y + slope * (x - mean_x))) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1.0 if syy == 0 else 1.0 - residual / syy
    return slope, r2


def exponent_figures(figures: Iterable[Figure]) -> list[Figure]:
    """An ``exponent`` figure for every series of a cost with MIN_SIZES sizes or more."""
    series: dict[tuple[str, str], dict[int, Figure]] = defaultdict(dict)
    for f in figures:
        name = f.extra.get("series")
        if f.size is not None and f.kind in COST_KINDS and isinstance(name, str):
            series[(f.suite, name)][f.size] = f
    out = []
    for (suite, name), by_size in sorted(series.items()):
        if len(by_size) < MIN_SIZES or any(f.value <= 0 for f in by_size.values()):
            continue
        sizes = sorted(by_size)
        slope, r2 = fit_exponent([(s, by_size[s].value) for s in sizes])
        extra: dict[str, float | int | str] = {
            "r2": round(r2, 4),
            "sizes": ",".join(str(s) for s in sizes),
            "kind_of_points": by_size[sizes[0]].kind,
        }
        out.append(Figure(suite, f"{name}.exponent", round(slope, 4), "", "exponent", None, extra))
    return out
