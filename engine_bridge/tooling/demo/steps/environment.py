"""Demo step: check the machine, as ``aicore doctor`` does, and stop if a part is missing."""

from __future__ import annotations

from pathlib import Path

from engine_bridge.tooling.environment_check import run_checks

TITLE = "environment"
ORDER = 0


def run(out_dir: Path) -> list[str]:
    del out_dir
    checks = run_checks()
    missing = [c for c in checks if c.required and not c.ok]
    if missing:
        names = ", ".join(c.name for c in missing)
        raise RuntimeError(f"required parts missing: {names} (run `aicore doctor`)")
    return [f"{c.status:<4} {c.name}: {c.detail}" for c in checks]
