"""Exceptions the runtime raises into scripts."""

from __future__ import annotations

__all__ = ["ScriptTimeoutError"]


class ScriptTimeoutError(BaseException):
    """Raised inside a script that ran past its time budget (a runaway loop).

    A ``BaseException``, not an ``Exception``: a script's ``except Exception`` cannot
    swallow it and keep looping.
    """
