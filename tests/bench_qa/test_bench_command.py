"""``aicore bench --quick --suite store``: the real command over a real suite writes a
result set with every field, figures with units and sizes, raw series, a growth exponent,
the targets' verdicts and a JUnit file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from cli_runner import run_aicore

from engine_bridge.tooling.bench.result_set import load


def test_a_quick_run_of_one_suite_writes_a_real_result_set(
    venv_bin: Path, clean_env: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    junit = tmp_path / "junit.xml"
    done = run_aicore(
        venv_bin,
        clean_env,
        "bench",
        "--quick",
        "--suite",
        "store",
        "--out",
        str(out),
        "--junit",
        str(junit),
        cwd=repo,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = out.glob("*.json")
    assert f"result set: {path}" in done.stdout
    run = load(path)
    assert run.quick
    assert run.suites == ["store"]
    assert run.machine.cores >= 1
    assert run.commit
    assert run.problems == []
    figures = run.by_key()
    hand_over = figures["store/game_thread_hands_over_a_frame_of_events[100]"]
    assert (hand_over.unit, hand_over.kind, hand_over.size) == ("s", "wall", 100)
    assert hand_over.value > 0
    assert hand_over.extra["rounds"] >= 1
    assert len(run.series[hand_over.key]) == hand_over.extra["rounds"]
    exponent = figures["store/game_thread_hands_over_a_frame_of_events.exponent"]
    assert exponent.kind == "exponent"
    assert exponent.extra["sizes"] == "10,100,1000"
    targets = ET.parse(junit).getroot().find("testsuite[@name='targets']")
    assert targets is not None
    measured = [
        case
        for case in targets.iter("testcase")
        if case.get("name", "").startswith("store/game_thread_flush_of_a_frame_of_100_events")
    ]
    assert len(measured) == 1
    assert measured[0].find("skipped") is None  # met or missed, but measured
