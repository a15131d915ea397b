"""Small and read-only file systems for the fault tests (a full disk, a read-only
folder): real mounts, which need root. Where mounting is refused the test is skipped
with mount's own reason."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def mount(*args: str) -> None:
    """``mount ARGS``, or skip the test saying why it could not."""
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here (mount {' '.join(args)}: {result.stderr.strip()})")


def unmount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], check=False)


@contextmanager
def small_tmpfs(point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"2m"``) mounted on ``point`` (made if missing)."""
    point.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point))
    try:
        yield point
    finally:
        unmount(point)
