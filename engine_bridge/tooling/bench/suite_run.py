"""One ``aicore bench`` run: the chosen suites' parts in order, into one result set, with
the suites' derived ratios and the growth exponents of every series."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from engine_bridge.tooling.bench.native_build import build_bench_binaries
from engine_bridge.tooling.bench.part_runs import run_part
from engine_bridge.tooling.bench.result_set import Figure, ResultSet
from engine_bridge.tooling.bench.scaling import exponent_figures
from engine_bridge.tooling.bench.suites import FrameCostPart, GbenchPart, Suite

__all__ = ["derived_ratios", "parts_of", "run_suites"]

Progress = Callable[[str], None]
"""Told the label of each step (``frame: pytest test_bench_frame.py``) before it runs."""


def parts_of(suites: Sequence[Suite]) -> int:
    """How many steps a run of ``suites`` takes (the progress bar's total)."""
    native = any(isinstance(p, GbenchPart | FrameCostPart) for s in suites for p in s.parts)
    return sum(len(s.parts) for s in suites) + int(native)


def derived_ratios(suite: Suite, figures: Sequence[Figure]) -> tuple[list[Figure], list[str]]:
    """The suite's ratios over the figures it measured, and a problem for each ratio one
    of whose figures is missing."""
    by_name = {f.name: f for f in figures if f.suite == suite.name}
    out, problems = [], []
    for ratio in suite.ratios:
        top, bottom = by_name.get(ratio.numerator), by_name.get(ratio.denominator)
        if top is None or bottom is None or bottom.value == 0:
            problems.append(
                f"{suite.name}: ratio {ratio.name} not derived: "
                f"{ratio.numerator} or {ratio.denominator} not measured"
            )
            continue
        extra: dict[str, float | int | str] = {
            "numerator": f"{suite.name}/{ratio.numerator}",
            "denominator": f"{suite.name}/{ratio.denominator}",
        }
        out.append(
            Figure(suite.name, ratio.name, top.value / bottom.value, "x", "ratio", None, extra)
        )
    return out, problems


def run_suites(
    repo: Path,
    suites: Sequence[Suite],
    *,
    quick: bool = False,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
) -> ResultSet:
    """Run ``suites`` in ``repo`` (``env`` added to the benchmarks' environment) and
    return their result set; a part that fails is a problem of the set, never a crash."""
    run = ResultSet.begin(repo, [s.name for s in suites], quick=quick)
    tell = progress or (lambda _label: None)
    native_problem: str | None = None
    if any(isinstance(p, GbenchPart | FrameCostPart) for s in suites for p in s.parts):
        tell("building the C++ benchmarks (build/bench)")
        native_problem = build_bench_binaries(repo)
        if native_problem is not None:
            run.problems.append(native_problem)
    for suite in suites:
        measured: list[Figure] = []
        for part in suite.parts:
            tell(f"{suite.name}: {part.label}")
            converted = run_part(
                suite.name, part, repo, quick=quick, native_problem=native_problem, env=env
            )
            measured += converted.figures
            run.series.update(converted.series)
            run.problems += converted.problems
        ratios, problems = derived_ratios(suite, measured)
        run.problems += problems
        for figure in measured + ratios:
            run.add(figure)
    for figure in exponent_figures(run.figures):
        run.add(figure)
    return run
