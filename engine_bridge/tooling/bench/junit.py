"""The JUnit XML file CI reads (``aicore bench --junit FILE``): one test case per gated
figure (failing when it regressed past its threshold) and one per target (failing when
missed); a target the run did not measure, a gated figure without a baseline and each
problem of the run are skipped cases, so that they show without failing the build."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from engine_bridge.tooling.bench.comparison import Change, TargetCheck
from engine_bridge.tooling.bench.result_set import ResultSet
from engine_bridge.tooling.bench.thresholds import Thresholds

__all__ = ["junit_xml", "write_junit"]


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")


def junit_xml(
    run: ResultSet,
    changes: Sequence[Change],
    targets: Sequence[TargetCheck],
    thresholds: Thresholds,
) -> ET.ElementTree:
    """The JUnit document of a run."""
    root = ET.Element("testsuites", name="aicore bench")
    gates = ET.SubElement(root, "testsuite", name="gates")
    compared = {c.key: c for c in changes}
    gated = [f for f in run.figures if thresholds.rule_for(f).gate]
    for figure in gated:
        case = _case(gates, f"gates.{figure.suite}", figure.name)
        change = compared.get(figure.key)
        if change is None:
            ET.SubElement(case, "skipped", message="no baseline to compare with (--compare)")
        elif change.verdict == "regressed":
            failure = ET.SubElement(
                case,
                "failure",
                message=f"regressed: {change.current:.6g} against {change.baseline:.6g} "
                f"{figure.unit} (threshold {change.threshold:.0%}, worse when "
                f"{change.worse_when})",
                type="regression",
            )
            failure.text = f"ratio current/baseline {change.ratio}"
        elif change.verdict == "new":
            ET.SubElement(case, "skipped", message="not in the baseline")
    for c in changes:
        if c.verdict == "gone" and c.threshold is not None:
            case = _case(gates, "gates.gone", c.key)
            ET.SubElement(case, "skipped", message="in the baseline, not measured in this run")
    checks = ET.SubElement(root, "testsuite", name="targets")
    for t in targets:
        case = _case(checks, f"targets.{t.key.split('/', 1)[0]}", f"{t.key} {t.op} {t.target:g}")
        if t.met is None:
            ET.SubElement(case, "skipped", message=f"not measured in this run ({t.source})")
        elif not t.met:
            ET.SubElement(
                case,
                "failure",
                message=f"missed: {t.measured:.6g} {t.unit}, target {t.op} {t.target:g} "
                f"({t.source})",
                type="target",
            )
    problems = ET.SubElement(root, "testsuite", name="problems")
    for i, problem in enumerate(run.problems):
        case = _case(problems, "problems", f"problem {i + 1}")
        ET.SubElement(case, "skipped", message=problem[:500])
    for suite in (gates, checks, problems):
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
        suite.set("errors", "0")
    return ET.ElementTree(root)


def write_junit(
    path: Path,
    run: ResultSet,
    changes: Sequence[Change],
    targets: Sequence[TargetCheck],
    thresholds: Thresholds,
) -> Path:
    """Write the JUnit file of a run; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = junit_xml(run, changes, targets, thresholds)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
