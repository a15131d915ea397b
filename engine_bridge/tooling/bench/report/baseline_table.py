"""The baseline comparison: every :class:`Change` row as a table, regressions first and
highlighted."""

from __future__ import annotations

from collections.abc import Sequence

from engine_bridge.tooling.bench.comparison import Change
from engine_bridge.tooling.bench.report.html_page import Section, Table, nothing_to_show
from engine_bridge.tooling.bench.value_format import format_value

__all__ = ["baseline_section"]

# Regressions first: they are what the reader came for.
_ORDER = {"regressed": 0, "improved": 1, "new": 2, "gone": 3, "unchanged": 4, "not gated": 5}


def baseline_section(changes: Sequence[Change]) -> Section:
    """The table of changes against the baseline, or why there is none."""
    if not changes:
        return Section(
            "baseline",
            "Against the baseline",
            nothing_to_show("this run was not compared with a baseline (aicore bench --compare)."),
        )
    rows = sorted(changes, key=lambda c: (_ORDER.get(c.verdict, 9), c.key))
    regressed = sum(1 for c in changes if c.verdict == "regressed")
    table = Table(
        ("figure", "kind", "baseline", "this run", "ratio", "threshold", "worse when", "verdict"),
        [
            (
                c.key,
                c.kind,
                format_value(c.baseline, c.unit),
                format_value(c.current, c.unit),
                "—" if c.ratio is None else f"{c.ratio:.3f}",
                "not gated" if c.threshold is None else f"{c.threshold:.0%}",
                c.worse_when,
                c.verdict,
            )
            for c in rows
        ],
        row_classes=[
            "bad" if c.verdict == "regressed" else "good" if c.verdict == "improved" else ""
            for c in rows
        ],
    )
    head = f"<p>{regressed} regressed of {len(changes)} figures compared.</p>"
    return Section("baseline", "Against the baseline", head + table.html())
