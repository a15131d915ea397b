"""The C++ benchmark binaries, built the way the Makefile's ``bench`` target builds them:
CMake into ``build/bench`` (Release, benchmarks on, no Python module), incremental, so a
build that is up to date costs a second and a stale one rebuilds what changed."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from engine_bridge.tooling.bench.process_output import run_program

__all__ = ["BENCH_DIR", "build_bench_binaries"]

BENCH_DIR = Path("build") / "bench"


def build_bench_binaries(repo: Path) -> str | None:
    """Configure (first time) and build the benchmark targets; None when built, else why
    not (a missing tool, a failing build), said so it can go in the run's problems."""
    missing = [tool for tool in ("cmake", "ninja") if shutil.which(tool) is None]
    if missing:
        return f"cannot build the C++ benchmarks: {', '.join(missing)} not on PATH"
    build = repo / BENCH_DIR
    if not (build / "CMakeCache.txt").exists():
        configured = run_program(
            [
                "cmake",
                "-S",
                ".",
                "-B",
                str(BENCH_DIR),
                "-G",
                "Ninja",
                "-DCMAKE_BUILD_TYPE=Release",
                "-DAICORE_BUILD_BENCHMARKS=ON",
                "-DAICORE_BUILD_PYMODULE=OFF",
                f"-DPython_EXECUTABLE={sys.executable}",
            ],
            repo,
        )
        if configured.status != 0:
            return configured.failure("configuring the C++ benchmarks (cmake)")
    jobs = str(os.cpu_count() or 2)
    built = run_program(["cmake", "--build", str(BENCH_DIR), "-j", jobs], repo)
    if built.status != 0:
        return built.failure("building the C++ benchmarks (cmake --build build/bench)")
    return None
