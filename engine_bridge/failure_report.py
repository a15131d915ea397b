"""Describing a script's failure without letting the description fail.

A script controls its exception completely: its ``__str__`` can raise or loop, its
traceback can be a thousand frames deep (a RecursionError), its NPC's attributes can be
gone (``self.__dict__.clear()``). Everything here is therefore guarded, and the parts that
run the script's own code (``str(exc)``) run under the handler budget, so reporting a
failure can neither raise nor hang.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from engine_bridge.errors import ScriptTimeoutError

__all__ = ["FailureReport", "describe_failure"]

_TRACEBACK_FRAMES = 30  # the innermost ones: a RecursionError's first 970 say nothing new
_MESSAGE_CHARS = 2_000


class Budget(Protocol):
    def arm(self) -> None: ...

    def disarm(self) -> None: ...


@dataclass(frozen=True)
class FailureReport:
    """What went wrong in a script, as fields: nothing needs to parse it."""

    where: str  # "file:line" in the script, or the script's file when no frame is in it
    kind: str  # the exception's type name, or "timeout" for a budget interrupt
    message: str
    traceback: str


def describe_failure(
    exc: BaseException, script_file: str | None, default_where: str, budget: Budget | None
) -> FailureReport:
    """Describe ``exc``, raised by the script at ``script_file``. Never raises."""
    kind = "timeout" if isinstance(exc, ScriptTimeoutError) else _type_name(exc)
    where = _where(exc, script_file, default_where)
    message = _guarded(lambda: str(exc), budget, f"<{kind} whose message could not be read>")
    text = _guarded(
        lambda: "".join(traceback.format_exception(exc, limit=-_TRACEBACK_FRAMES)),
        budget,
        "<traceback unavailable>",
    )
    return FailureReport(where, kind, message[:_MESSAGE_CHARS], text)


def _type_name(exc: BaseException) -> str:
    try:
        return str(type(exc).__name__)
    except BaseException:  # a metaclass with a hostile __getattribute__
        return "Exception"


def _where(exc: BaseException, script_file: str | None, default: str) -> str:
    try:
        found = None
        fallback = None
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if script_file is not None and filename == script_file:
                found = f"{filename}:{tb.tb_lineno}"
            elif "engine_bridge" not in Path(filename).parts and not filename.startswith("<"):
                fallback = f"{filename}:{tb.tb_lineno}"
            tb = tb.tb_next
        if found is None and isinstance(exc, SyntaxError) and exc.filename:
            found = f"{exc.filename}:{exc.lineno or 1}"
        return found or fallback or default
    except BaseException:
        return default


def _guarded(read: object, budget: Budget | None, default: str) -> str:
    """``read()`` (script code, maybe) under the budget; ``default`` if it fails."""
    if budget is not None:
        budget.arm()
    try:
        value = read()  # type: ignore[operator]
        result = value if isinstance(value, str) else default
    except BaseException:  # its own failure, or the budget's interrupt
        result = default
    if budget is not None:
        budget.disarm()
    return result
