"""Runs the installed `aicore` console script as a user would."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_aicore(venv_bin: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv_bin / "aicore"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
