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

from engine_bridge.core.errors import ScriptTimeoutError

__all__ = ["FailureReport", "describe_failure"]

_TRACEBACK_FRAMES = 30  # the innermost ones: a RecursionError's first 970 say nothing new
_MESSAGE_CHARS = 2_000


class Budget(Protocol):
    def arm(self) -> None: ...

    def disarm(self) -> None: ...


@dataclass(frozen=True)
class FailureReport:
    """What went wrong in a script, as fields: nothing needs to parse it."""

    where: str  # "file:line" in the script, or the default given when no frame is in it
    kind: str  # the exception's type name, or "timeout" for a budget interrupt
    message: str
    traceback: str
    file: str | None = None  # the file and line of ``where``, when a frame or the
    line: int | None = None  # SyntaxError named them


def describe_failure(
    exc: BaseException, script_file: str | None, default_where: str, budget: Budget | None
) -> FailureReport:
    """Describe ``exc``, raised by the script at ``script_file``. Never raises."""
    kind = "timeout" if isinstance(exc, ScriptTimeoutError) else _type_name(exc)
    place = _place(exc, script_file)
    message = _guarded(lambda: str(exc), budget, f"<{kind} whose message could not be read>")
    text = _guarded(
        lambda: "".join(traceback.format_exception(exc, limit=-_TRACEBACK_FRAMES)),
        budget,
        "<traceback unavailable>",
    )
    where = f"{place[0]}:{place[1]}" if place else default_where
    file, line = place if place else (None, None)
    return FailureReport(where, kind, message[:_MESSAGE_CHARS], text, file, line)


def _type_name(exc: BaseException) -> str:
    try:
        return str(type(exc).__name__)
    except BaseException:  # a metaclass with a hostile __getattribute__
        return "Exception"


def _place(exc: BaseException, script_file: str | None) -> tuple[str, int] | None:
    """The innermost frame in ``script_file``; else the innermost outside the runtime and
    importlib (``<frozen ...>``); else the file and line a SyntaxError names; else None."""
    try:
        found = fallback = None
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if script_file is not None and filename == script_file:
                found = (filename, tb.tb_lineno)
            elif "engine_bridge" not in Path(filename).parts and not filename.startswith("<"):
                fallback = (filename, tb.tb_lineno)
            tb = tb.tb_next
        if found is None and isinstance(exc, SyntaxError) and exc.filename:
            # No frame in the script: the compiler names the file and line on the exception.
            found = (str(exc.filename), exc.lineno or 1)
        return found or fallback
    except BaseException:  # a hostile exception's traceback or attributes
        return None


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
