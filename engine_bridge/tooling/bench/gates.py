"""A run against a baseline (rows of :class:`~.comparison.Change`) and against the docs'
targets (rows of :class:`~.comparison.TargetCheck`), by the rules of the thresholds file.

A gated figure regresses when it is worse than the baseline by more than its threshold:
``current > baseline * (1 + t)`` when higher is worse, ``current < baseline * (1 - t)``
when lower is; it improved when it is better by as much; else it is unchanged. Figures
that do not gate (wall times, throughputs) are compared and shown, verdict ``not gated``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from engine_bridge.tooling.bench.comparison import Change, TargetCheck, Verdict
from engine_bridge.tooling.bench.result_set import ResultSet
from engine_bridge.tooling.bench.thresholds import Rule, Thresholds

__all__ = ["check_targets", "compare", "regressions"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


def _verdict(rule: Rule, baseline: float, current: float) -> Verdict:
    if not rule.gate:
        return "not gated"
    t = rule.threshold
    if rule.worse_when == "higher":
        worse, better = current > baseline * (1 + t), current < baseline * (1 - t)
    else:
        worse, better = current < baseline * (1 - t), current > baseline * (1 + t)
    return "regressed" if worse else "improved" if better else "unchanged"


def compare(run: ResultSet, baseline: ResultSet, thresholds: Thresholds) -> list[Change]:
    """Every figure of either set, compared (``new``: only in the run; ``gone``: only in
    the baseline), in the run's order then the baseline's."""
    before = baseline.by_key()
    now = run.by_key()
    rows = []
    for key, figure in now.items():
        rule = thresholds.rule_for(figure)
        threshold = rule.threshold if rule.gate else None
        old = before.get(key)
        if old is None:
            verdict: Verdict = "new"
            ratio = None
        else:
            ratio = figure.value / old.value if old.value else None
            verdict = _verdict(rule, old.value, figure.value)
        rows.append(
            Change(
                key,
                figure.kind,
                figure.unit,
                None if old is None else old.value,
                figure.value,
                ratio,
                threshold,
                rule.worse_when,
                verdict,
            )
        )
    for key, old in before.items():
        if key not in now:
            rule = thresholds.rule_for(old)
            rows.append(
                Change(
                    key,
                    old.kind,
                    old.unit,
                    old.value,
                    None,
                    None,
                    rule.threshold if rule.gate else None,
                    rule.worse_when,
                    "gone",
                )
            )
    return rows


def regressions(changes: Sequence[Change]) -> list[Change]:
    """The rows that fail the gate."""
    return [c for c in changes if c.verdict == "regressed"]


def check_targets(run: ResultSet, thresholds: Thresholds) -> list[TargetCheck]:
    """Every target of the file against the run (``measured`` None, ``met`` None: the run
    did not measure it, as when its suite did not run)."""
    figures = run.by_key()
    rows = []
    for target in thresholds.targets:
        figure = figures.get(target.key)
        measured = None if figure is None else figure.value
        met = None if measured is None else _OPS[target.op](measured, target.value)
        rows.append(
            TargetCheck(
                target.key, target.op, target.value, target.unit, target.source, measured, met
            )
        )
    return rows
