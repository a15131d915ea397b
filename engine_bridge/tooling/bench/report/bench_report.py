"""``aicore bench --report DIR``: one run of the benchmark suites as a self-contained
HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine_bridge.tooling.bench.comparison import Change, TargetCheck
from engine_bridge.tooling.bench.report.archetype_voices import archetype_voices_section
from engine_bridge.tooling.bench.report.baseline_table import baseline_section
from engine_bridge.tooling.bench.report.frame_times import frame_times_section
from engine_bridge.tooling.bench.report.html_page import write_page
from engine_bridge.tooling.bench.report.run_history import history_section
from engine_bridge.tooling.bench.report.run_summary import summary_section, targets_section
from engine_bridge.tooling.bench.report.scaling_curves import scaling_section
from engine_bridge.tooling.bench.report.soak_plots import soak_section
from engine_bridge.tooling.bench.report.voice_cost import voice_cost_section
from engine_bridge.tooling.bench.result_set import ResultSet

__all__ = ["write_report"]


def write_report(
    run: ResultSet,
    out_dir: Path,
    *,
    history: Sequence[ResultSet] = (),
    changes: Sequence[Change] = (),
    targets: Sequence[TargetCheck] = (),
    repo: Path,
) -> Path:
    """Write ``out_dir/index.html`` for ``run`` and return its path.

    ``history`` are the stored runs to draw the gated figures over (this run is added if
    it is not among them), ``changes`` the rows of a comparison with a baseline,
    ``targets`` the targets checked; ``repo`` the checkout whose content the archetypes'
    voices are rendered from (``repo/content``). Every section is always there; one with
    nothing to show says why."""
    sections = [
        summary_section(run),
        targets_section(targets),
        frame_times_section(run),
        voice_cost_section(run),
        scaling_section(run),
        baseline_section(changes),
        history_section(run, history),
        archetype_voices_section(repo / "content"),
        soak_section(run),
    ]
    kind = "quick run" if run.quick else "full run"
    subtitle = f"{kind} of {run.commit[:12]} on {run.machine.hostname}, started {run.started}"
    return write_page(out_dir, "AI Core benchmark report", subtitle, sections)
