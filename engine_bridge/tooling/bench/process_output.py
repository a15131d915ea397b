"""Running one benchmark program: its exit status and what it printed, kept for the
problem it becomes when it fails."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Finished", "run_program"]

TAIL_LINES = 15


@dataclass(frozen=True)
class Finished:
    """A program that ran: ``status`` (None: it could not start or timed out), its
    ``output`` (stdout then stderr) and ``why`` when it could not run."""

    command: tuple[str, ...]
    status: int | None
    output: str
    why: str = ""

    def tail(self) -> str:
        """The last lines of its output, for a problem line."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return " | ".join(lines[-TAIL_LINES:])

    def failure(self, label: str) -> str:
        """A problem line saying how it failed."""
        if self.status is None:
            return f"{label}: could not run {' '.join(self.command)}: {self.why}"
        return f"{label}: exit status {self.status}: {self.tail()}"


def run_program(
    command: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 3_600,
) -> Finished:
    """Run ``command`` in ``cwd`` with ``env`` added to this process's environment."""
    full_env = {**os.environ, **(env or {})}
    try:
        done = subprocess.run(
            list(command),
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Finished(tuple(command), None, "", str(exc))
    return Finished(tuple(command), done.returncode, done.stdout + done.stderr)
