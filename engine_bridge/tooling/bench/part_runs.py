"""Running one part of a suite (:mod:`engine_bridge.tooling.bench.suites`) and turning
what it measured into figures."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from engine_bridge.tooling.bench.frame_cost_output import convert_frame_cost
from engine_bridge.tooling.bench.gbench_results import convert_gbench
from engine_bridge.tooling.bench.native_build import BENCH_DIR
from engine_bridge.tooling.bench.process_output import run_program
from engine_bridge.tooling.bench.pytest_results import Converted, convert_pytest_benchmarks
from engine_bridge.tooling.bench.suites import (
    FrameCostPart,
    GbenchPart,
    InstructionsPart,
    Part,
    PytestPart,
)

__all__ = ["QUICK_PYTEST", "run_part"]

QUICK_PYTEST = ("--benchmark-min-rounds=1", "--benchmark-max-time=0.05", "--benchmark-warmup=off")
"""pytest-benchmark's options for a smoke run (pedantic benchmarks keep their rounds)."""


def run_part(
    suite: str,
    part: Part,
    repo: Path,
    *,
    quick: bool,
    native_problem: str | None,
    env: Mapping[str, str] | None = None,
) -> Converted:
    """Run ``part`` of ``suite`` in ``repo``; ``native_problem`` is why the C++ binaries
    could not be built (None: they were)."""
    if isinstance(part, PytestPart):
        return _pytest(suite, part, repo, quick, env)
    if isinstance(part, InstructionsPart):
        return _instructions(suite, repo, quick)
    if native_problem is not None:
        return Converted(problems=[f"{suite}: {part.label} not run: {native_problem}"])
    if isinstance(part, GbenchPart):
        return _gbench(suite, part, repo, quick)
    return _frame_cost(suite, part, repo, quick)


def _pytest(
    suite: str, part: PytestPart, repo: Path, quick: bool, env: Mapping[str, str] | None
) -> Converted:
    if not part.paths:
        return Converted(problems=[f"{suite}: no benchmark files (bench_*.py, test_bench_*.py)"])
    with tempfile.TemporaryDirectory(prefix="aicore-bench-") as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *part.paths,
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-enable",
            "--benchmark-only",
            "--benchmark-save-data",
            f"--benchmark-json={report}",
        ]
        if quick:
            command += list(QUICK_PYTEST)
            if part.quick:
                command += ["-k", part.quick]
        done = run_program(command, repo, env=env)
        if not report.exists():
            return Converted(problems=[done.failure(f"{suite}: {part.label}")])
        converted = convert_pytest_benchmarks(suite, json.loads(report.read_text()))
    if done.status != 0:
        # Some benchmarks failed; those that ran still count, and the failure is said.
        converted.problems.append(done.failure(f"{suite}: {part.label}"))
    return converted


def _gbench(suite: str, part: GbenchPart, repo: Path, quick: bool) -> Converted:
    binary = repo / BENCH_DIR / part.binary
    if not binary.exists():
        return Converted(problems=[f"{suite}: {binary} is missing after the bench build"])
    command = [str(binary), "--benchmark_format=json"]
    if quick:
        command.append("--benchmark_min_time=0.01")
        if part.quick:
            command.append(f"--benchmark_filter={part.quick}")
    else:
        command += [
            f"--benchmark_min_time={part.min_time}",
            f"--benchmark_repetitions={part.repetitions}",
            "--benchmark_report_aggregates_only=true",
        ]
    done = run_program(command, repo)
    start = done.output.find("{")
    try:
        report = json.loads(done.output[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        # gbench writes its JSON to stdout; stderr (appended after it) may hold warnings.
        report = _leading_json(done.output[start:])
    if not isinstance(report, dict):
        return Converted(problems=[done.failure(f"{suite}: {part.label}")])
    converted = convert_gbench(suite, report, part.size_args)
    if done.status != 0:
        converted.problems.append(done.failure(f"{suite}: {part.label}"))
    return converted


def _leading_json(text: str) -> object:
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return None
    return value


def _frame_cost(suite: str, part: FrameCostPart, repo: Path, quick: bool) -> Converted:
    binary = repo / BENCH_DIR / "cpp" / "bridge" / "c_frame_cost"
    if not binary.exists():
        return Converted(problems=[f"{suite}: {binary} is missing after the bench build"])
    frames = part.quick_frames if quick else part.frames
    done = run_program([str(binary), str(part.npcs), str(frames)], repo)
    if done.status != 0:
        return Converted(problems=[done.failure(f"{suite}: {part.label}")])
    return convert_frame_cost(suite, done.output)


def _instructions(suite: str, repo: Path, quick: bool) -> Converted:
    try:
        from engine_bridge.tooling.bench.instruction_counts import (
            callgrind_available,
            instruction_figures,
        )
    except ImportError as exc:
        return Converted(problems=[f"{suite}: the instruction counts are not available: {exc}"])
    if not callgrind_available():
        return Converted(
            problems=[f"{suite}: valgrind's callgrind is not available: no instruction counts"]
        )
    problems: list[str] = []  # a workload that cannot be counted; the others still are
    figures = instruction_figures(repo, quick=quick, problems=problems)
    if not figures and not problems:
        problems.append(f"{suite}: callgrind ran but gave no instruction counts")
    return Converted(figures=list(figures), problems=problems)
