"""What designers look at per script: calls, time, failures, quarantine and memory."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ScriptProfile"]


@dataclass(slots=True)
class ScriptProfile:
    """What designers look at: time, failures and memory per script."""

    calls: int = 0
    seconds: float = 0.0
    errors: int = 0
    quarantined: bool = False
    last_error: str = ""
    fallback_broken: bool = False  # its fallback failed: its NPCs idle instead
    memory_bytes: int = 0  # what it keeps, at the last census (memory_watch.py)
    memory_growth_bytes: int = 0  # over its settled size, the least it measured since

    @property
    def mean_us(self) -> float:
        return 1e6 * self.seconds / self.calls if self.calls else 0.0

    def summary(self) -> dict[str, float | int | bool | str]:
        """The figures as the runtime's ``profile()`` reports them."""
        return {
            "calls": self.calls,
            "mean_us": round(self.mean_us, 2),
            "errors": self.errors,
            "quarantined": self.quarantined,
            "last_error": self.last_error,
            "memory_bytes": self.memory_bytes,
            "memory_growth_bytes": self.memory_growth_bytes,
        }
