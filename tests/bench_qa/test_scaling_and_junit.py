"""Growth exponents over three or more sizes, and the JUnit file's test cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine_bridge.tooling.bench.gates import check_targets, compare
from engine_bridge.tooling.bench.junit import write_junit
from engine_bridge.tooling.bench.result_set import Figure, Machine, ResultSet
from engine_bridge.tooling.bench.scaling import exponent_figures, fit_exponent
from engine_bridge.tooling.bench.thresholds import DEFAULT_FILE, load_thresholds

MACHINE = Machine("h", "cpu", 2, "Linux", "3.11")


def test_the_fit_finds_linear_and_quadratic_growth() -> None:
    linear, r2 = fit_exponent([(100, 1.0), (1000, 10.0), (10000, 100.0)])
    assert linear == pytest.approx(1.0)
    assert r2 == pytest.approx(1.0)
    quadratic, _ = fit_exponent([(10, 3.0), (20, 12.0), (40, 48.0), (80, 192.0)])
    assert quadratic == pytest.approx(2.0)
    with pytest.raises(ValueError, match="two different sizes"):
        fit_exponent([(5, 1.0), (5, 2.0)])


def _point(name: str, size: int, value: float, series: str) -> Figure:
    return Figure("s", name, value, "s", "wall", size, {"series": series})


def test_exponents_only_for_series_of_three_sizes_or_more() -> None:
    figures = [_point(f"loop[{n}]", n, n * n * 1e-9, "loop") for n in (100, 1000, 10000)] + [
        _point(f"pair[{n}]", n, n * 1e-9, "pair") for n in (100, 1000)
    ]
    (exponent,) = exponent_figures(figures)
    assert (exponent.key, exponent.kind, exponent.unit) == ("s/loop.exponent", "exponent", "")
    assert exponent.value == pytest.approx(2.0)
    assert exponent.extra["sizes"] == "100,1000,10000"


def test_junit_has_a_case_per_gated_figure_and_per_target(repo: Path, tmp_path: Path) -> None:
    thresholds = load_thresholds(repo / DEFAULT_FILE)
    key = "models/per_npc_loop.per_npc_over_batched[1000]"
    suite, name = key.split("/", 1)

    voice = "ArchetypeVoice/vampire/512.over_biquad"

    def run(speedup: float, voice_cost: float) -> ResultSet:
        figures = [
            Figure(suite, name, speedup, "x", "ratio", 1000),
            Figure("models", "batched_decisions[1000]", 5e-4, "s", "wall", 1000),
            Figure("vocal", voice, voice_cost, "x", "ratio", 512),
        ]
        return ResultSet(MACHINE, "c", "2025-01-01T00:00:00+00:00", ["models"], figures)

    now, before = run(9.0, 2.0), run(18.0, 1.0)
    now.problems.append("sync: not run")
    changes = compare(now, before, thresholds)
    path = write_junit(tmp_path / "j.xml", now, changes, check_targets(now, thresholds), thresholds)
    root = ET.parse(path).getroot()
    gates = root.find("testsuite[@name='gates']")
    assert gates is not None
    # The wall time and the load-sensitive speed-up are not gated: no case for them.
    assert [c.get("name") for c in gates.iter("testcase")] == [voice]
    assert gates.find("testcase/failure[@type='regression']") is not None
    targets = root.find("testsuite[@name='targets']")
    assert targets is not None
    assert len(targets.findall("testcase")) == len(thresholds.targets)
    missed = targets.findall("testcase/failure[@type='target']")
    assert {f.get("message", "").split(":")[0] for f in missed} == {"missed"}
    assert len(missed) == 2  # batched 500 us > 150 us, and 9x < 40x
    problems = root.find("testsuite[@name='problems']")
    assert problems is not None
    assert problems.get("skipped") == "1"
