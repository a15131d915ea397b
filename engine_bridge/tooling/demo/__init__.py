"""The steps of ``aicore demo``.

Each step is one module here defining ``TITLE`` (str), ``ORDER`` (int, lower runs first)
and ``run(out_dir: pathlib.Path) -> list[str]`` returning the lines of its summary. A step
with something to show on the demo's page also takes a keyword argument ``record`` (a
:class:`~engine_bridge.tooling.demo.demo_record.DemoRecord`, or None when the step runs on
its own) and adds its facts to it. A step that raises fails the demo with its title in the
message. Later capabilities add a module; no other file changes.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from engine_bridge.tooling.demo.demo_record import DemoRecord, StepTiming
from engine_bridge.tooling.module_discovery import submodules

__all__ = ["StepResult", "demo_steps", "run_demo", "run_demo_recorded"]


@dataclass(frozen=True)
class StepResult:
    title: str
    lines: list[str]


def demo_steps() -> list[ModuleType]:
    """The demo's steps in the order they run."""
    import engine_bridge.tooling.demo.steps as package

    return sorted(submodules(package), key=lambda m: (m.ORDER, m.__name__))


def _takes_record(step: ModuleType) -> bool:
    return "record" in inspect.signature(step.run).parameters


def run_demo_recorded(out_dir: Path, *, echo: bool = True) -> DemoRecord:
    """Run every step, writing its files under ``out_dir``; returns what they recorded."""
    out_dir.mkdir(parents=True, exist_ok=True)
    record = DemoRecord(out_dir=out_dir)
    began = time.perf_counter()
    for step in demo_steps():
        if echo:
            print(f"== {step.TITLE}", flush=True)
        started = time.perf_counter()
        lines = step.run(out_dir, record=record) if _takes_record(step) else step.run(out_dir)
        took = time.perf_counter() - started
        if echo:
            for line in lines:
                print(f"   {line}", flush=True)
        record.steps.append(StepTiming(step.TITLE, started - began, took, tuple(lines)))
    return record


def run_demo(out_dir: Path, *, echo: bool = True) -> list[StepResult]:
    """Run every step, writing its files under ``out_dir``."""
    record = run_demo_recorded(out_dir, echo=echo)
    return [StepResult(s.title, list(s.lines)) for s in record.steps]
