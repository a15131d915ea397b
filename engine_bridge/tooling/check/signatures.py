"""What a script's callables accept, read with :mod:`inspect`: whether a call fits, the
signature as shown in a message, the line a function starts on."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["accepts", "binding_error", "first_line", "method_function", "shown_signature"]


def method_function(cls: type, name: str) -> tuple[Callable[..., Any], bool] | None:
    """The plain Python function ``self.<name>`` calls, and whether ``self`` (or the class)
    is passed to it first; None for a property, a builtin, or what is not there."""
    try:
        value = inspect.getattr_static(cls, name)
    except AttributeError:
        return None
    if isinstance(value, staticmethod):
        value, bound = value.__func__, False
    elif isinstance(value, classmethod):
        value, bound = value.__func__, True
    else:
        bound = True
    return (value, bound) if inspect.isfunction(value) else None


def binding_error(
    function: Callable[..., Any], bound: bool, positional: int, keywords: list[str]
) -> str | None:
    """Why calling ``function`` with that many arguments fails, or None if it fits."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*([None] * (int(bound) + positional)), **dict.fromkeys(keywords))
    except TypeError as exc:
        return str(exc)
    return None


def accepts(function: Callable[..., Any], count: int) -> bool:
    """Whether ``function`` can be called with ``count`` positional arguments."""
    try:
        inspect.signature(function).bind(*([None] * count))
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): give it the benefit of the doubt
        return True
    return True


def shown_signature(function: Callable[..., Any]) -> str:
    """``(self, dt)``: the signature as a message shows it, ``(...)`` when unknown."""
    try:
        signature = inspect.signature(function)
        return str(signature.replace(return_annotation=inspect.Signature.empty))
    except (TypeError, ValueError):
        return "(...)"


def first_line(obj: Any) -> int:
    """The line a function (or what has source) starts on; 1 when unknown."""
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    code = getattr(obj, "__code__", None)
    if code is not None:
        return int(code.co_firstlineno)
    with contextlib.suppress(TypeError, OSError):
        return inspect.getsourcelines(obj)[1]
    return 1
