"""Sandboxes over script files written for one test: a probe script beside a healthy one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from content_files import write_scripts

from engine_bridge.sandbox import Sandbox


def probe_beside_healthy(
    tmp_path: Path, healthy: str, probe: str, probes: int = 2, **options: Any
) -> Sandbox:
    """A sandbox over ``scripts/good.py`` (``healthy``, kind "good") and ``scripts/probe.py``
    (``probe``, kind "probe"), one good NPC (its slot in ``box.good``) and ``probes`` probe
    NPCs. Every handler of every frame runs: these tests are about what a script does, not
    about the frame budget. ``options`` go to :class:`Sandbox`."""
    scripts = write_scripts(tmp_path / "scripts", good=healthy, probe=probe)
    box = Sandbox(script_dirs=[scripts], capacity=16, **options)
    box.runtime.scheduler.frame_budget_s = 60.0
    box.good = box.spawn("good")  # type: ignore[attr-defined]
    for _ in range(probes):
        box.spawn("probe")
    return box
