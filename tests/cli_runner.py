"""Runs programs as a user would: the installed `aicore` console script, the `aicore-host`
binary, a tool script or a snippet of Python, each in a subprocess with its output captured
as text and never raising on a failing exit (the tests assert on it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
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
    code: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    *,
    missing: Iterable[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter of this environment (nothing imported yet but
    ``sys``), in which the ``missing`` modules look uninstalled to the import system."""
    hide = "".join(f"sys.modules[{name!r}] = None\n" for name in missing)
    return run([sys.executable, "-c", "import sys\n" + hide + code], env, cwd, timeout=timeout)


def host_outputs(folder: Path) -> list[str]:
    """The ``aicore host`` options that write its trace (``trace.jsonl``), its report
    (``report.json``) and its save (``save/``) into ``folder``."""
    return [
        "--trace",
        str(folder / "trace.jsonl"),
        "--report",
        str(folder / "report.json"),
        "--save",
        str(folder / "save"),
    ]
