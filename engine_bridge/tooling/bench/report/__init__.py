"""The QA reports: ``aicore bench --report DIR`` (:func:`write_report`, one benchmark run)
and the page ``aicore demo`` ends with (:func:`write_demo_report`, the demo's run). Both
are one self-contained HTML file (docs/qa.md, "The report")."""

from __future__ import annotations

from engine_bridge.tooling.bench.report.bench_report import write_report
from engine_bridge.tooling.bench.report.demo_report import write_demo_report

__all__ = ["write_demo_report", "write_report"]
