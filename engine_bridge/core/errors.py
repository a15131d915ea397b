"""Exceptions the runtime raises into scripts."""

from __future__ import annotations

__all__ = ["ScriptLimitError", "ScriptTimeoutError"]


class ScriptTimeoutError(BaseException):
    """Raised inside a script that ran past its time budget (a runaway loop).

    A ``BaseException``, not an ``Exception``: a script's ``except Exception`` cannot
    swallow it and keep looping.
    """


class ScriptLimitError(RuntimeError):
    """Raised by an action that would pass one of the runtime's limits: too many timers
    pending for one NPC, too many messages in flight. The script is reported at the line
    that asked; what it asked for is refused, everything else goes on."""
