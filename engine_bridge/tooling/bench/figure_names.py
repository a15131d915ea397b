"""Stable figure names from benchmark names: the keys baselines and thresholds use.

A pytest-benchmark test ``test_batched_decisions[1000_npcs]`` becomes the figure
``batched_decisions[1000]`` of size 1 000: the ``test_`` prefix goes, the first whole number
of the parameter id is the workload's size, and a unit word after it (``npcs``, ``rows``,
``voices``, ``clients``, ``events``) goes too, since the suite's docs say what the size
counts. A Google Benchmark ``BM_VoiceEngineMix/128/512`` becomes ``VoiceEngineMix/128/512``,
its size the argument the suite names (the voices here).

The *series* of a figure is its name with the size taken out: the figures of one series
differ only in size, and :mod:`engine_bridge.tooling.bench.scaling` fits their growth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SIZE_WORDS", "BenchName", "gbench_name", "pytest_name"]

SIZE_WORDS = frozenset({"npcs", "rows", "voices", "clients", "events", "samples"})
"""Words that only say what a parameter's number counts; dropped from names."""

_NUMBER = re.compile(r"^\d+$")


@dataclass(frozen=True)
class BenchName:
    """A figure's stable ``name``, its ``size`` (None: not a point of a scaling series)
    and its ``series`` (the name without the size; equal to ``name`` when size is None)."""

    name: str
    size: int | None
    series: str


def pytest_name(test_name: str) -> BenchName:
    """The figure name of a pytest-benchmark test name (``test_x[1000_npcs]``)."""
    base, _, rest = test_name.partition("[")
    base = base.removeprefix("test_")
    if not rest:
        return BenchName(base, None, base)
    tokens = [t for t in re.split(r"[_\-]", rest.removesuffix("]")) if t]
    size: int | None = None
    kept: list[str] = []
    others: list[str] = []
    for token in tokens:
        if size is None and _NUMBER.match(token):
            size = int(token)
            kept.append(token)
        elif token.lower() in SIZE_WORDS and size is not None:
            continue
        else:
            kept.append(token)
            others.append(token)
    name = f"{base}[{'_'.join(kept)}]"
    series = f"{base}[{'_'.join(others)}]" if others else base
    return BenchName(name, size, series if size is not None else name)


def gbench_name(benchmark_name: str, size_arg: int | None) -> BenchName:
    """The figure name of a Google Benchmark run name (``BM_X/128/512``); ``size_arg`` is
    the index of the numeric argument that is the workload's size (None: no size)."""
    parts = benchmark_name.removeprefix("BM_").split("/")
    # Options gbench appends to the name (process_time, real_time, repeats:5) say how
    # it was measured, not what: they stay out of the stable name.
    parts = [p for p in parts if ":" not in p and p not in ("process_time", "real_time")]
    name = "/".join(parts)
    numeric = [i for i, p in enumerate(parts) if _NUMBER.match(p)]
    if size_arg is None or size_arg >= len(numeric) or size_arg < -len(numeric):
        return BenchName(name, None, name)
    at = numeric[size_arg]
    series = "/".join(p for i, p in enumerate(parts) if i != at)
    return BenchName(name, int(parts[at]), series)
