"""How a benchmark declares a figure of its own, beside its timing: the one convention.

A pytest-benchmark test measures one thing (its rounds' median becomes a ``wall`` figure),
but often knows more: a ratio of two medians of the same run, a throughput, a percentile,
a count. It declares each with :func:`declare_figure`, which files the value, its unit and
its kind under ``benchmark.extra_info["figures"]``; ``aicore bench`` turns each into a
:class:`~engine_bridge.tooling.bench.result_set.Figure` named
``<test's figure name base>.<declared name>[<the test's parameters>]``::

    declare_figure(benchmark.extra_info, "per_npc_over_batched", 18.2, unit="x", kind="ratio")

in ``test_per_npc_loop[1000_npcs]`` gives ``per_npc_loop.per_npc_over_batched[1000]``, of
size 1 000. Times are declared in seconds (unit ``"s"``), whatever the test prints.
Anything else in ``extra_info`` is kept as it is in the timing figure's ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from engine_bridge.tooling.bench.result_set import KINDS, FigureKind

__all__ = ["FIGURES_KEY", "DeclaredFigure", "declare_figure", "declared_figures"]

FIGURES_KEY = "figures"
"""The key of ``extra_info`` under which declared figures are filed."""


@dataclass(frozen=True)
class DeclaredFigure:
    """A figure a benchmark declared: its own ``name``, ``value``, ``unit`` and ``kind``."""

    name: str
    value: float
    unit: str
    kind: FigureKind


def declare_figure(
    extra_info: MutableMapping[str, object],
    name: str,
    value: float,
    *,
    unit: str,
    kind: FigureKind,
) -> None:
    """File a figure in a benchmark's ``extra_info`` (``benchmark.extra_info``)."""
    if kind not in KINDS:
        raise ValueError(f"figure {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    figures = extra_info.setdefault(FIGURES_KEY, {})
    if not isinstance(figures, dict):
        raise TypeError(f"extra_info[{FIGURES_KEY!r}] is taken by something else")
    figures[name] = {"value": float(value), "unit": unit, "kind": kind}


def declared_figures(extra_info: Mapping[str, object]) -> tuple[list[DeclaredFigure], list[str]]:
    """The figures declared in an ``extra_info`` read back from pytest-benchmark's JSON,
    and a reason for each entry that is malformed (never dropped silently)."""
    raw = extra_info.get(FIGURES_KEY, {})
    if not isinstance(raw, Mapping):
        return [], [f"extra_info[{FIGURES_KEY!r}] is not a table: {raw!r}"]
    found: list[DeclaredFigure] = []
    bad: list[str] = []
    for name, body in raw.items():
        try:
            kind = body["kind"]
            if kind not in KINDS:
                raise ValueError(f"kind {kind!r}")
            found.append(DeclaredFigure(str(name), float(body["value"]), str(body["unit"]), kind))
        except (KeyError, TypeError, ValueError) as exc:
            bad.append(f"declared figure {name!r} is malformed: {exc}")
    return found, bad
