"""The terminal tables of ``aicore bench`` (rich): the run's figures, its comparison with
a baseline, its targets, and the scaling warnings."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from engine_bridge.tooling.bench.comparison import Change, TargetCheck
from engine_bridge.tooling.bench.result_set import Figure, ResultSet
from engine_bridge.tooling.bench.thresholds import Thresholds
from engine_bridge.tooling.bench.value_format import format_value

__all__ = [
    "changes_table",
    "figures_table",
    "scaling_warnings",
    "targets_table",
]


def figures_table(run: ResultSet, thresholds: Thresholds) -> Table:
    """Every figure of the run, with whether it gates."""
    table = Table(title=f"aicore bench: {run.commit[:12]}{' (quick)' if run.quick else ''}")
    for column in ("suite", "figure", "value", "kind", "size", "gates"):
        # Names are keys people copy into the thresholds file: folded, never cut short.
        justify = "right" if column in ("value", "size") else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for f in run.figures:
        gate = thresholds.rule_for(f).gate
        table.add_row(
            f.suite,
            escape(f.name),  # [vampire] is a name here, not a rich style
            format_value(f.value, f.unit),
            f.kind,
            "" if f.size is None else f"{f.size:,}",
            "yes" if gate else "",
        )
    return table


_VERDICT_STYLE = {"regressed": "bold red", "improved": "green", "unchanged": "", "new": "cyan"}


def changes_table(changes: Sequence[Change], baseline_name: str) -> Table:
    """A run against a baseline: gated figures first, then the rest."""
    table = Table(title=f"against baseline {baseline_name!r}")
    for column in ("figure", "baseline", "now", "now/base", "threshold", "verdict"):
        justify = "left" if column in ("figure", "verdict") else "right"
        table.add_column(column, justify=justify, overflow="fold")
    ordered = sorted(changes, key=lambda c: (c.threshold is None, c.key))
    for c in ordered:
        table.add_row(
            escape(c.key),
            format_value(c.baseline, c.unit),
            format_value(c.current, c.unit),
            "—" if c.ratio is None else f"{c.ratio:.3f}",
            "—" if c.threshold is None else f"{c.threshold:.0%} ({c.worse_when} is worse)",
            c.verdict,
            style=_VERDICT_STYLE.get(c.verdict, "dim"),
        )
    return table


def targets_table(targets: Sequence[TargetCheck]) -> Table:
    """Each target of the docs: met, missed, or not measured in this run."""
    table = Table(title="targets")
    for column in ("figure", "target", "measured", "", "source"):
        table.add_column(column, overflow="fold")
    for t in targets:
        mark = {True: "[green]met[/]", False: "[bold red]missed[/]", None: "[dim]not run[/]"}
        table.add_row(
            escape(t.key),
            f"{t.op} {format_value(t.target, t.unit)}",
            format_value(t.measured, t.unit),
            mark[t.met],
            t.source,
        )
    return table


def scaling_warnings(run: ResultSet, thresholds: Thresholds) -> list[Figure]:
    """The exponents above the linear limit on series that should grow linearly."""
    return [
        f
        for f in run.figures
        if f.kind == "exponent"
        and f.value > thresholds.linear_above
        and thresholds.expects_linear(f.key)
    ]
