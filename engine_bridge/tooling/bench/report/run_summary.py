"""The report's first section: where and when the run happened, what went wrong, and the
targets the docs name, met or missed."""

from __future__ import annotations

from collections.abc import Sequence

from engine_bridge.tooling.bench.comparison import TargetCheck
from engine_bridge.tooling.bench.report.html_page import Section, Table, escape, nothing_to_show
from engine_bridge.tooling.bench.result_set import ResultSet
from engine_bridge.tooling.bench.value_format import format_value

__all__ = ["summary_section", "targets_section"]


def summary_section(run: ResultSet) -> Section:
    """Machine, CPU, cores, commit, date, quick or full, suites, figures and problems."""
    machine = run.machine
    facts = Table(
        header=("", ""),
        rows=[
            ("machine", machine.hostname),
            ("CPU", machine.cpu_model),
            ("cores", machine.cores),
            ("system", machine.system),
            ("Python", machine.python),
            ("commit", run.commit),
            ("started (UTC)", run.started),
            ("run", "quick (smoke run: not comparable with a full run)" if run.quick else "full"),
            ("suites", ", ".join(run.suites) or "none"),
            ("figures", len(run.figures)),
        ],
    )
    if run.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in run.problems)
        problems = f'<h3>Problems ({len(run.problems)})</h3><ul class="problems">{items}</ul>'
    else:
        problems = "<p>Problems: none.</p>"
    return Section("summary", "Summary", facts.html() + problems)


def _verdict(check: TargetCheck) -> str:
    if check.met is None:
        return "not measured"
    return "met" if check.met else "MISSED"


def targets_section(targets: Sequence[TargetCheck]) -> Section:
    """Each target a document names, with the run's value and whether it was met."""
    if not targets:
        return Section("targets", "Targets", nothing_to_show("no targets were checked."))
    met = sum(1 for t in targets if t.met)
    missed = sum(1 for t in targets if t.met is False)
    table = Table(
        header=("figure", "target", "measured", "verdict", "source"),
        rows=[
            (
                t.key,
                f"{t.op} {format_value(t.target, t.unit)}",
                "—" if t.measured is None else format_value(t.measured, t.unit),
                _verdict(t),
                t.source,
            )
            for t in targets
        ],
        row_classes=["bad" if t.met is False else "good" if t.met else "" for t in targets],
    )
    unmeasured = len(targets) - met - missed
    head = f"<p>{met} met, {missed} missed, {unmeasured} not measured by this run.</p>"
    return Section("targets", "Targets", head + table.html())
