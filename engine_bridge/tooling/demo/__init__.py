"""The steps of ``aicore demo``.

Each step is one module here defining ``TITLE`` (str), ``ORDER`` (int, lower runs first)
and ``run(out_dir: pathlib.Path) -> list[str]`` returning the lines of its summary. A
step that raises fails the demo with its title in the message. Later capabilities add a
module; no other file changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from engine_bridge.tooling.module_discovery import submodules

__all__ = ["StepResult", "demo_steps", "run_demo"]


@dataclass(frozen=True)
class StepResult:
    title: str
    lines: list[str]


def demo_steps() -> list[ModuleType]:
    """The demo's steps in the order they run."""
    import engine_bridge.tooling.demo.steps as package

    return sorted(submodules(package), key=lambda m: (m.ORDER, m.__name__))


def run_demo(out_dir: Path, *, echo: bool = True) -> list[StepResult]:
    """Run every step, writing its files under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for step in demo_steps():
        if echo:
            print(f"== {step.TITLE}", flush=True)
        lines = step.run(out_dir)
        if echo:
            for line in lines:
                print(f"   {line}", flush=True)
        results.append(StepResult(step.TITLE, lines))
    return results
