"""Runs programs as a user would: the installed `aicore` console script, the `aicore-host`
binary, a tool script or a snippet of Python, each in a subprocess with its output captured
as text and never raising on a failing exit (the tests assert on it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(
    cmd: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    *,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; its exit code, stdout and stderr are the caller's to check."""
    return subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False
    )


def run_aicore(
    venv_bin: Path,
    env: dict[str, str],
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``aicore *args`` from the environment the tests run in."""
    return run([str(venv_bin / "aicore"), *args], env, cwd, timeout=timeout)


def run_python(
    code: str, env: dict[str, str] | None = None, cwd: Path | None = None, *, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of this environment (nothing imported yet)."""
    return run([sys.executable, "-c", code], env, cwd, timeout=timeout)
