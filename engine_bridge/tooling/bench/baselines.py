"""Where result sets live: each run's file under the results folder, named baselines under
``baselines/``, and the history of runs the report plots."""

from __future__ import annotations

import re
from pathlib import Path

from engine_bridge.tooling.bench.result_set import ResultSet, ResultSetError, load

__all__ = ["baseline_path", "history", "load_baseline", "save_baseline"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def baseline_path(results: Path, name: str) -> Path:
    """``<results>/baselines/<name>.json``; a name that is not a plain word is refused."""
    if not _NAME.match(name):
        raise ValueError(
            f"baseline name {name!r}: letters, digits, '.', '_' and '-' only (at most 64)"
        )
    return results / "baselines" / f"{name}.json"


def save_baseline(run: ResultSet, results: Path, name: str) -> Path:
    """Save ``run`` as the baseline ``name`` (replacing one of that name)."""
    return run.write(baseline_path(results, name))


def load_baseline(results: Path, name: str) -> ResultSet:
    """The baseline ``name`` (``ResultSetError`` naming the file when missing or bad)."""
    path = baseline_path(results, name)
    if not path.exists():
        saved = sorted(p.stem for p in (results / "baselines").glob("*.json"))
        known = ", ".join(saved) if saved else "none saved yet"
        raise ResultSetError(path, f"no baseline {name!r} (saved: {known})")
    return load(path)


def history(results: Path) -> tuple[list[ResultSet], list[str]]:
    """Every run stored in ``results`` (not the baselines), oldest first, and a problem
    line for each file that could not be read."""
    runs, problems = [], []
    for path in sorted(results.glob("*.json")):
        try:
            runs.append(load(path))
        except ResultSetError as exc:
            problems.append(str(exc))
    runs.sort(key=lambda r: r.started)
    return runs, problems
