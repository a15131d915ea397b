"""pytest-benchmark's JSON (``--benchmark-json``) as figures of a result set.

Each benchmark gives a ``wall`` figure: the median of its rounds in seconds, with the
mean, standard deviation, rounds, min, max and interquartile range in ``extra``; its raw
round times (``--benchmark-save-data``) go in the result set's ``series`` under the
figure's key, at most :data:`SERIES_CAP` of them; and each figure it declared
(:mod:`engine_bridge.tooling.bench.declared_figures`) becomes a figure of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine_bridge.tooling.bench.declared_figures import FIGURES_KEY, declared_figures
from engine_bridge.tooling.bench.figure_names import pytest_name
from engine_bridge.tooling.bench.result_set import Figure

__all__ = ["SERIES_CAP", "Converted", "convert_pytest_benchmarks"]

SERIES_CAP = 5_000
"""Raw samples kept per figure: enough for a histogram, small enough for a result file."""

_STATS = ("mean", "stddev", "rounds", "min", "max", "iqr")


@dataclass
class Converted:
    """What one benchmark run gave: figures, raw series by key, and problems."""

    figures: list[Figure] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _thin(samples: list[float]) -> list[float]:
    """At most SERIES_CAP samples, evenly spaced so that a drift over the run still shows."""
    if len(samples) <= SERIES_CAP:
        return samples
    step = len(samples) / SERIES_CAP
    return [samples[int(i * step)] for i in range(SERIES_CAP)]


def convert_pytest_benchmarks(suite: str, report: Mapping[str, object]) -> Converted:
    """The figures of one pytest-benchmark JSON report, for ``suite``."""
    out = Converted()
    benchmarks = report.get("benchmarks")
    if not isinstance(benchmarks, list):
        out.problems.append(f"{suite}: the pytest-benchmark report has no 'benchmarks' list")
        return out
    for bench in benchmarks:
        try:
            _convert_one(suite, bench, out)
        except (KeyError, TypeError, ValueError) as exc:
            label = bench.get("name") if isinstance(bench, Mapping) else bench
            out.problems.append(f"{suite}: benchmark {label!r} is malformed: {exc!r}")
    return out


def _convert_one(suite: str, bench: Mapping[str, object], out: Converted) -> None:
    named = pytest_name(str(bench["name"]))
    stats = bench["stats"]
    if not isinstance(stats, Mapping):
        raise TypeError("stats is not a table")
    extra: dict[str, float | int | str] = {k: stats[k] for k in _STATS if k in stats}
    info = bench.get("extra_info") or {}
    if not isinstance(info, Mapping):
        raise TypeError("extra_info is not a table")
    for key, value in info.items():
        if key != FIGURES_KEY and isinstance(value, int | float | str):
            extra[key] = value
    if named.series != named.name:
        extra["series"] = named.series
    figure = Figure(suite, named.name, float(stats["median"]), "s", "wall", named.size, extra)
    out.figures.append(figure)
    data = stats.get("data")
    if isinstance(data, list) and data:
        out.series[figure.key] = _thin([float(x) for x in data])
    declared, bad = declared_figures(info)
    out.problems.extend(f"{suite}/{named.name}: {reason}" for reason in bad)
    base, bracket, rest = named.name.partition("[")
    for d in declared:
        name = f"{base}.{d.name}{bracket}{rest}"
        series_base, s_bracket, s_rest = named.series.partition("[")
        series = f"{series_base}.{d.name}{s_bracket}{s_rest}"
        d_extra: dict[str, float | int | str] = {"of": figure.key}
        if named.size is not None:
            d_extra["series"] = series
        out.figures.append(Figure(suite, name, d.value, d.unit, d.kind, named.size, d_extra))
