"""The gate through the real command and real benchmark runs: a deliberate 2x slowdown of
a same-run ratio is caught (exit 1, a ``regressed`` row, a JUnit failure) and a rerun of
the same commit is not flagged."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from cli_runner import run_aicore

from engine_bridge.tooling.bench.result_set import load

KEY = "slowdown_suite/work_against_a_reference_loop.work_over_reference"


def _bench(venv_bin: Path, env: dict[str, str], repo: Path, *args: str) -> tuple[int, str]:
    done = run_aicore(venv_bin, env, "bench", *args, cwd=repo, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_a_doubled_work_is_caught_and_a_rerun_is_not(
    venv_bin: Path, clean_env: dict[str, str], repo: Path, slowdown_suite: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    common = ("--suite-dir", str(slowdown_suite), "--out", str(out))
    status, text = _bench(venv_bin, clean_env, repo, *common, "--save-baseline", "before")
    assert status == 0, text
    saved = load(out / "baselines" / "before.json")
    ratio = saved.by_key()[KEY]
    assert ratio.kind == "ratio"
    assert ratio.value > 0

    status, text = _bench(venv_bin, clean_env, repo, *common, "--compare", "before")
    assert status == 0, text
    assert "regressed" not in text

    slowed = {**clean_env, "AICORE_BENCH_QA_SLOWDOWN": "2"}
    junit = tmp_path / "junit.xml"
    status, text = _bench(
        venv_bin, slowed, repo, *common, "--compare", "before", "--junit", str(junit)
    )
    assert status == 1, text
    assert KEY in text
    assert "regressed" in text
    failures = ET.parse(junit).getroot().findall(".//testcase/failure[@type='regression']")
    assert len(failures) == 1
    runs = sorted(out.glob("*.json"))
    assert len(runs) == 3
    last = json.loads(runs[-1].read_text())
    assert last["suites"] == ["slowdown_suite"]
