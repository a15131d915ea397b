"""A figure's value as a person reads it: the terminal tables, the JUnit file and the HTML
report all show values this one way."""

from __future__ import annotations

__all__ = ["format_value"]

_TIME_STEPS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def format_value(value: float | None, unit: str) -> str:
    """A figure's value for a person: times in the unit that suits them, large counts
    with thousands separators."""
    if value is None:
        return "—"
    if unit == "s":
        for scale, name in _TIME_STEPS:
            if abs(value) >= scale or scale == 1e-9:
                return f"{value / scale:.3g} {name}"
    if abs(value) >= 10_000:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.4g} {unit}".strip()
