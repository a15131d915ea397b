"""The one error a package build raises: which step failed and why."""

from __future__ import annotations

__all__ = ["PackageError"]


class PackageError(Exception):
    """A package build that stopped: ``step`` names the part (``native build``,
    ``site-packages``, ...), ``reason`` says why in words a person can act on."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason
