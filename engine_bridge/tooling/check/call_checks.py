"""Calls on ``self`` in an NPC class, read from its syntax tree: arguments that do not fit
the action's (or the class's own method's) signature, ``self.after`` with a negative
delay or a callback that cannot take its arguments, ``self.say("an_id")`` naming no voice
line and ``self.speak("topic")`` naming no topic of the kind's dialogue table."""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from engine_bridge.api import Npc
from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.report import Report, plural, shown
from engine_bridge.tooling.check.signatures import binding_error, method_function, shown_signature
from engine_bridge.tooling.check.suggestions import did_you_mean

__all__ = ["check_after", "check_call_arguments", "check_say", "check_speak"]


# Text with no spaces in lower_snake_case is taken for a voice line id; a single word
# ("halt") may be either, so only ids with an underscore are checked.
_LINE_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def check_call_arguments(
    path: Path, cls: type[Npc], method: str, call: ast.Call, report: Report
) -> None:
    """``self.say()``, ``self.move_to(1, 2, 3, 4, 5)``: a call that does not fit the
    action's (or the class's own method's) signature raises TypeError when it runs."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return  # f(*args) or f(**options): the count is not in the source
    found = method_function(cls, method)
    if found is None:
        return
    function, bound = found
    keywords = [k.arg for k in call.keywords if k.arg is not None]
    error = binding_error(function, bound, len(call.args), keywords)
    if error is not None:
        report.add(
            path,
            call.lineno,
            f"self.{method}(...) does not fit {method}{shown_signature(function)}: {error}",
            code="api-arguments",
        )


def check_after(path: Path, cls: type[Npc], call: ast.Call, report: Report) -> None:
    """``self.after(seconds, fn, *args)``: a delay that is a negative number (refused
    when it runs) and a callback that cannot take the arguments given (a TypeError when
    it fires, long after the line that scheduled it)."""
    seconds = _argument(call, 0, "seconds")
    delay = _number(seconds)
    if seconds is not None and delay is not None and delay < 0:
        report.add(
            path,
            seconds.lineno,
            f"self.after({delay:g}, ...): a timer cannot fire in the past; the delay is "
            "in seconds from now, 0 or more",
            code="timer-negative-delay",
        )
    callback = _argument(call, 1, "fn")
    extra = call.args[2:]
    if callback is None or any(isinstance(a, ast.Starred) for a in extra):
        return
    error: str | None = None
    shown = ast.unparse(callback)
    if isinstance(callback, ast.Lambda):
        error = _lambda_error(callback, len(extra))
    elif isinstance(callback, ast.Attribute) and isinstance(callback.value, ast.Name):
        found = (
            method_function(cls, callback.attr) if callback.value.id in _self_names(call) else None
        )
        if found is not None:
            error = binding_error(found[0], found[1], len(extra), [])
            shown = f"{shown}{shown_signature(found[0])}"
    elif isinstance(callback, ast.Name):
        # A function of the script's own module (a local of that name would shadow it, but
        # naming a local after a module function is rare enough to read the module's).
        value = getattr(sys.modules.get(cls.__module__), callback.id, None)
        if inspect.isfunction(value):
            error = binding_error(value, False, len(extra), [])
            shown = f"{callback.id}{shown_signature(value)}"
    if error is not None:
        given = plural(len(extra), "argument")
        report.add(
            path,
            call.lineno,
            f"self.after(...) will call {shown} with {given} and fail: {error}",
            code="timer-callback-arguments",
        )


def _self_names(call: ast.Call) -> set[str]:
    """The name ``self.after`` was called on: its callback ``<that>.cb`` is a method."""
    function = call.func
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return {function.value.id}
    return set()


def _number(node: ast.expr | None) -> float | None:
    """The value of a number literal, ``-1`` included."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    return None


def _lambda_error(function: ast.Lambda, given: int) -> str | None:
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    required = len(positional) - len(arguments.defaults)
    required_keywords = [
        a.arg
        for a, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if default is None
    ]
    if required_keywords:
        return f"missing a required keyword-only argument: {required_keywords[0]!r}"
    if given < required:
        return f"the lambda needs {plural(required, 'argument')}"
    if given > len(positional) and arguments.vararg is None:
        return f"the lambda takes {plural(len(positional), 'argument')}"
    return None


def check_say(path: Path, call: ast.Call, content: ContentFacts, report: Report) -> None:
    """``self.say("an_id")`` of a voice line id the manifest lacks (it would be spoken as
    that text)."""
    if content.line_ids is None:
        return
    for text, line in _strings(_argument(call, 0, "line")):
        if _LINE_ID.fullmatch(text) and text not in content.line_ids:
            manifest = shown(content.manifest) if content.manifest else "the manifest"
            report.add(
                path,
                line,
                f"self.say({text!r}) looks like a voice line id, but {manifest} has no such "
                f"line (it would be spoken as the text {text!r})"
                f"{did_you_mean(text, content.line_ids)}",
                code="unknown-line-id",
            )


def check_speak(
    path: Path, cls: type[Npc], call: ast.Call, content: ContentFacts, report: Report
) -> None:
    """``self.speak("topic")`` when the kind has no dialogue table, or no line on that
    topic."""
    tables, kind = content.topics, cls.kind
    if tables is None or not isinstance(kind, str) or not kind:
        return
    for topic, line in _strings(_argument(call, 0, "topic")):
        if kind not in tables:
            report.add(
                path,
                line,
                f"self.speak({topic!r}): kind {kind!r} has no dialogue table "
                f"(dialogue/{kind}.toml), so no line can be found",
                code="no-dialogue-table",
            )
        elif topic not in (topics := tables[kind]):
            report.add(
                path,
                line,
                f"self.speak({topic!r}): the {kind} dialogue table has no line on topic "
                f"{topic!r} (topics: {', '.join(sorted(topics))})"
                f"{did_you_mean(topic, topics)}",
                code="unknown-topic",
            )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _strings(node: ast.expr | None) -> Iterator[tuple[str, int]]:
    """The string constants an argument can be: ``"a"``, ``"a" if c else "b"``, ``x or "a"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, node.lineno
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)
