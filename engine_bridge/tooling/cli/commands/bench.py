"""``aicore bench``: the QA benchmark suites (docs/qa.md).

Runs every suite (or those named with ``--suite``; a folder of pytest-benchmark files with
``--suite-dir``), writes one result set under ``bench-results/`` and prints its path and
its figures. ``--save-baseline NAME`` keeps it as a baseline; ``--compare NAME`` compares
it with one, gating only on instruction counts and same-run ratios, by the thresholds of
``tests/bench/thresholds.toml``; every target the docs name is checked. ``--junit FILE``
writes the verdicts for CI, ``--report DIR`` the HTML report; ``--soak MINUTES`` runs the
soak instead of the suites (after ``--soak-warmup`` minutes, ten by default). Exit
status: 0 done (problems are printed and kept in the result set), 1 a gated figure
regressed past its threshold, 2 a usage mistake (an unknown baseline, a bad thresholds
file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from engine_bridge.tooling.bench.baselines import history, load_baseline, save_baseline
from engine_bridge.tooling.bench.comparison import Change, TargetCheck
from engine_bridge.tooling.bench.gates import check_targets, compare, regressions
from engine_bridge.tooling.bench.junit import write_junit
from engine_bridge.tooling.bench.result_set import ResultSet, ResultSetError
from engine_bridge.tooling.bench.soak_figures import DEFAULT_WARMUP_MINUTES
from engine_bridge.tooling.bench.suite_run import parts_of, run_suites
from engine_bridge.tooling.bench.suites import SUITES, Suite, suite_from_directory
from engine_bridge.tooling.bench.tables import (
    changes_table,
    figures_table,
    scaling_warnings,
    targets_table,
)
from engine_bridge.tooling.bench.thresholds import (
    DEFAULT_FILE,
    Thresholds,
    ThresholdsError,
    load_thresholds,
)
from engine_bridge.tooling.cli.argument_types import minutes, positive_minutes

NAME = "bench"
HELP = "run the QA benchmark suites; store, compare and gate their figures (docs/qa.md)"

REPO = Path(__file__).resolve().parents[4]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--suite",
        action="append",
        choices=list(SUITES),
        help="run this suite, repeatable (default: every suite): "
        + "; ".join(f"{s.name}: {s.what}" for s in SUITES.values()),
    )
    parser.add_argument(
        "--suite-dir",
        type=Path,
        action="append",
        metavar="DIR",
        help="also run the pytest-benchmark files (bench_*.py, test_bench_*.py) of this "
        "folder as a suite named after it, repeatable",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: smallest sizes, fewest rounds"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results"),
        metavar="DIR",
        help="where result sets, baselines and history live (default: bench-results)",
    )
    parser.add_argument(
        "--thresholds",
        type=Path,
        default=REPO / DEFAULT_FILE,
        metavar="FILE",
        help=f"the thresholds and targets (default: {DEFAULT_FILE})",
    )
    parser.add_argument(
        "--save-baseline", metavar="NAME", help="keep this run as the baseline NAME"
    )
    parser.add_argument(
        "--compare",
        metavar="NAME",
        help="compare with the baseline NAME; exit 1 on a gated regression",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML for CI")
    parser.add_argument("--report", type=Path, metavar="DIR", help="write the HTML report")
    parser.add_argument(
        "--soak",
        type=positive_minutes,
        metavar="MINUTES",
        help="run the soak (the host world: a warm-up, then MINUTES measured) instead of "
        "the suites",
    )
    parser.add_argument(
        "--soak-warmup",
        type=minutes,
        default=DEFAULT_WARMUP_MINUTES,
        metavar="MINUTES",
        help=f"the soak's warm-up, left out of its figures (default {DEFAULT_WARMUP_MINUTES:g})",
    )


def _chosen(args: argparse.Namespace) -> list[Suite]:
    extra = [suite_from_directory(d.resolve()) for d in args.suite_dir or []]
    if args.suite:
        return [SUITES[name] for name in dict.fromkeys(args.suite)] + extra
    return extra if extra else list(SUITES.values())


def _measure(args: argparse.Namespace, console: Console) -> ResultSet:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        if args.soak is not None:
            return _soak(args.soak, args.soak_warmup, bar)
        suites = _chosen(args)
        task = bar.add_task("starting", total=parts_of(suites))
        steps = 0

        def step(label: str) -> None:
            nonlocal steps
            bar.update(task, completed=steps, description=label)
            steps += 1

        run = run_suites(REPO, suites, quick=args.quick, progress=step)
        bar.update(task, completed=steps)
        return run


def _soak(minutes: float, warmup: float, bar: Progress) -> ResultSet:
    from engine_bridge.tooling.bench.soak import run_soak

    # Begun first: the commit and the start time are those of the code the soak runs.
    run = ResultSet.begin(REPO, ["soak"])
    task = bar.add_task(f"soak, {warmup:g} min warm-up + {minutes:g} min", total=1.0)
    result = run_soak(
        minutes,
        REPO,
        warmup_minutes=warmup,
        progress=lambda done: bar.update(task, completed=done),
    )
    for figure in result.figures:
        run.add(figure)
    run.series.update(result.series)
    run.problems.extend(result.problems)  # a host that did not start, or ended early
    return run


def run(args: argparse.Namespace) -> int:
    console = Console()
    try:
        thresholds = load_thresholds(args.thresholds)
        baseline = load_baseline(args.out, args.compare) if args.compare else None
    except (ThresholdsError, ResultSetError, ValueError) as exc:
        print(f"aicore bench: {exc}", file=sys.stderr)
        return 2
    run = _measure(args, console)
    path = run.write(_free_path(args.out / run.file_name()))
    console.print(figures_table(run, thresholds))
    changes: list[Change] = []
    if baseline is not None:
        if baseline.quick != run.quick:
            run.problems.append(
                f"the baseline {args.compare!r} is {'a quick' if baseline.quick else 'a full'}"
                " run and this one is not: their figures are not comparable"
            )
        changes = compare(run, baseline, thresholds)
        console.print(changes_table(changes, args.compare))
    targets = check_targets(run, thresholds)
    console.print(targets_table([t for t in targets if t.met is not None]))
    _print_scaling(run, thresholds, console)
    if args.save_baseline:
        saved = save_baseline(run, args.out, args.save_baseline)
        console.print(f"baseline {args.save_baseline!r}: {saved}")
    if args.junit:
        console.print(f"JUnit: {write_junit(args.junit, run, changes, targets, thresholds)}")
    if args.report:
        console.print(f"report: {_report(run, args.out, args.report, changes, targets)}")
    for problem in run.problems:
        console.print(f"[yellow]problem:[/] {escape(problem)}", highlight=False)
    run.write(path)  # again: the comparison may have added a problem
    print(f"result set: {path}")
    failed = regressions(changes)
    if failed:
        names = ", ".join(c.key for c in failed)
        print(f"aicore bench: {len(failed)} gated figure(s) regressed: {names}", file=sys.stderr)
        return 1
    return 0


def _free_path(path: Path) -> Path:
    """``path``, or beside it with ``-2``, ``-3``... when a run of the same second and
    commit is already there: a run never replaces another."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _print_scaling(run: ResultSet, thresholds: Thresholds, console: Console) -> None:
    for f in scaling_warnings(run, thresholds):
        console.print(
            f"[bold yellow]scaling:[/] {escape(f.key)} grows as size^{f.value:.2f} over sizes "
            f"{f.extra.get('sizes')}: above {thresholds.linear_above} for a path that "
            "should be linear",
            highlight=False,
        )


def _report(
    run: ResultSet,
    results: Path,
    out_dir: Path,
    changes: Sequence[Change],
    targets: Sequence[TargetCheck],
) -> Path:
    from engine_bridge.tooling.bench.report import write_report

    past, problems = history(results)
    run.problems += problems
    return write_report(run, out_dir, history=past, changes=changes, targets=targets, repo=REPO)
