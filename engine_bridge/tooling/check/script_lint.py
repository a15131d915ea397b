"""The linter for designers' NPC classes, run on an imported script's classes and their
syntax trees: a missing or doubly claimed ``kind``, a class with a kind that is no
``Npc``, a handler with the wrong parameters (or async, a generator, a static method), an
``__init__`` never called, an unknown ``archetype`` or ``model``, a ``decision_rate`` out of range,
``self.X`` that is neither part of ``Npc`` nor of the class, a method named almost like
a handler; calls on ``self`` are checked by :mod:`engine_bridge.tooling.check.call_checks`."""

from __future__ import annotations

import ast
import difflib
import inspect
import math
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.tooling.check.call_checks import (
    check_after,
    check_call_arguments,
    check_say,
    check_speak,
)
from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.report import Report, shown
from engine_bridge.tooling.check.self_uses import SelfUses
from engine_bridge.tooling.check.signatures import accepts, shown_signature
from engine_bridge.tooling.check.suggestions import closest, did_you_mean

__all__ = [
    "HANDLERS",
    "MAX_DECISION_RATE",
    "Claim",
    "check_class",
    "check_plain_classes",
    "class_node",
    "member_line",
]


HANDLERS: dict[str, tuple[str, ...]] = {
    "on_spawn": (),
    "on_tick": ("dt",),
    "on_event": ("event",),
    "on_reload": (),
    "fallback": ("dt",),
}
"""Each handler the engine calls, with the arguments it passes after ``self``."""


MAX_DECISION_RATE = FRAME_RATE
"""on_tick runs at most once a frame, and the engine steps 60 frames a second."""


@dataclass(frozen=True)
class Claim:
    """The class that claimed a kind first, and where (for the duplicate's message)."""

    owner: str
    where: str


def check_plain_classes(path: Path, module: ModuleType, tree: ast.Module, report: Report) -> None:
    """A class with a ``kind`` and handlers that forgot to subclass ``Npc``: the engine
    never sees it, and nothing else would say so."""
    for obj in list(vars(module).values()):
        if not inspect.isclass(obj) or issubclass(obj, Npc) or obj.__module__ != module.__name__:
            continue
        own = vars(obj)
        handlers = sorted(h for h in HANDLERS if h in own)
        if isinstance(own.get("kind"), str) and handlers:
            node = class_node(tree, obj)
            report.add(
                path,
                member_line(node, None),
                f"{obj.__name__} has a kind and handlers ({', '.join(handlers)}) but does not "
                f"subclass Npc, so the engine never spawns it: class {obj.__name__}(Npc)",
                code="not-an-npc",
            )


def check_class(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef | None,
    nodes: dict[type[Npc], ast.ClassDef | None],
    content: ContentFacts,
    claims: dict[str, Claim],
    report: Report,
) -> None:
    """``nodes``: every class checked, with its ``class`` statement (None if made at run
    time); base classes and subclasses of ``cls`` among them are taken into account."""
    name = cls.__name__

    def line_of(member: str) -> int:
        return member_line(node, member)

    others = [c for c in nodes if c is not cls]
    _check_kind(path, cls, others, line_of("kind"), claims, report)
    archetype = cls.archetype
    known = content.archetypes
    if known is not None and archetype is not None and archetype not in known:
        report.add(
            path,
            line_of("archetype"),
            f"{name}.archetype {archetype!r} is not a voice archetype; use one of "
            f"{', '.join(known)}, or None for a human voice",
            code="unknown-archetype",
        )
    _check_models(path, cls, line_of("model"), content, report)
    rate = cls.decision_rate
    if (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not (math.isfinite(rate) and 0 < rate <= MAX_DECISION_RATE)
    ):
        report.add(
            path,
            line_of("decision_rate"),
            f"{name}.decision_rate must be on_tick calls per second, above 0 and at most "
            f"{MAX_DECISION_RATE:g} (the frame rate); got {rate!r}",
            code="bad-decision-rate",
        )
    _check_handlers(path, cls, node, nodes, report)
    if node is not None:
        _check_methods(path, cls, node, nodes, content, report)


def _check_models(
    path: Path, cls: type[Npc], line: int, content: ContentFacts, report: Report
) -> None:
    """``model``: None, a model's name, or a tuple of names the manifests declare (a name
    they lack would leave the kind's NPCs on their defaults, with one logged error)."""
    model, name = cls.model, cls.__name__
    if model is None:
        return
    names = (model,) if isinstance(model, str) else model
    if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
        report.add(
            path,
            line,
            f"{name}.model must be a model's name or a tuple of names, got {model!r}",
            code="bad-model",
        )
        return
    known = content.models
    for unknown in [n for n in names if known is not None and n not in known]:
        report.add(
            path,
            line,
            f"{name}.model {unknown!r} is not a model of the content "
            f"(models/manifest.toml declares {', '.join(known) or 'none'})"
            f"{did_you_mean(unknown, known or ())}",
            code="unknown-model",
        )


def _check_kind(
    path: Path,
    cls: type[Npc],
    others: list[type[Npc]],
    line: int,
    claims: dict[str, Claim],
    report: Report,
) -> None:
    kind, name = cls.kind, cls.__name__
    if not isinstance(kind, str):
        report.add(path, line, f"{name}.kind must be a string, got {kind!r}", code="bad-kind")
        return
    if not kind:
        # A base class other NPC classes extend needs no kind of its own.
        if not any(issubclass(other, cls) for other in others):
            report.add(
                path,
                line,
                f'{name} has no kind: set kind = "..." (the name the engine spawns it by); '
                "without one the engine never uses this class",
                code="no-kind",
            )
        return
    claim = claims.get(kind)
    if claim is not None:
        report.add(
            path,
            line,
            f"{name} claims kind {kind!r}, already claimed by {claim.owner} ({claim.where}); "
            "the engine would use only one of them",
            code="duplicate-kind",
        )
        return
    claims[kind] = Claim(name, f"{shown(path)}:{line}")


def _check_handlers(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef | None,
    nodes: dict[type[Npc], ast.ClassDef | None],
    report: Report,
) -> None:
    for handler, arguments in HANDLERS.items():
        owner = next(k for k in cls.__mro__ if handler in vars(k))
        if owner is Npc or (owner is not cls and owner in nodes):
            continue  # the API's own, or reported where the checked base class defines it
        value = vars(owner)[handler]
        expected = f"{handler}({', '.join(('self', *arguments))})"
        where = f"{cls.__name__}.{handler}"
        line = member_line(node, handler)
        if isinstance(value, staticmethod | classmethod) or not inspect.isfunction(value):
            report.add(
                path, line, f"{where} must be a method: def {expected}", code="handler-not-a-method"
            )
        elif inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value):
            report.add(
                path,
                line,
                f"{where} is async: the engine calls {expected} and never awaits it, so its "
                "body would never run",
                code="handler-async",
            )
        elif inspect.isgeneratorfunction(value):
            report.add(
                path,
                line,
                f"{where} is a generator (it yields): the engine calls {expected} and never "
                "iterates it, so its body would never run",
                code="handler-generator",
            )
        elif not accepts(value, 1 + len(arguments)):
            report.add(
                path,
                line,
                f"{where}{shown_signature(value)} takes the wrong parameters: the engine calls "
                f"{expected}",
                code="handler-parameters",
            )
    if "__init__" in vars(cls):
        report.add(
            path,
            member_line(node, "__init__"),
            f"{cls.__name__}.__init__ is never called: the engine creates NPCs without it; "
            "set up state in on_spawn",
            code="init-never-called",
        )


def _check_methods(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef,
    nodes: dict[type[Npc], ast.ClassDef | None],
    content: ContentFacts,
    report: Report,
) -> None:
    uses = SelfUses.of(node)
    _check_handler_names(path, cls, node, uses, report)
    if not uses.dynamic and not _has_custom_getattr(cls):
        # What the class, its bases and its subclasses (a base may call a method each kind
        # defines) define, or set on self (self.x = ... in on_spawn), exists when read.
        relatives = [
            (other, other_node)
            for other, other_node in nodes.items()
            if issubclass(other, cls) or issubclass(cls, other)
        ]
        known = _known_attributes(cls)
        for other, other_node in relatives:
            known |= _known_attributes(other)
            if other_node is not None:
                known |= SelfUses.of(other_node).stores
        _check_self_attributes(path, cls, uses, known, report)
    for method, call in uses.calls:
        check_call_arguments(path, cls, method, call, report)
        if method == "say":
            check_say(path, call, content, report)
        elif method == "speak":
            check_speak(path, cls, call, content, report)
        elif method == "after":
            check_after(path, cls, call, report)


def _check_self_attributes(
    path: Path, cls: type[Npc], uses: SelfUses, known: set[str], report: Report
) -> None:
    """``self.mvoe_to(...)``: a typo the runtime would only find when the line runs."""
    reported: set[str] = set()
    for attribute, line, called in uses.loads:
        if attribute in known or attribute in reported:
            continue
        reported.add(attribute)
        guess = closest(attribute, {k for k in known if not k.startswith("__")})
        hint = f"; did you mean self.{guess}?" if guess else ""
        if called:
            message = f"self.{attribute}(...) is neither an Npc action nor a method of"
        else:
            message = (
                f"self.{attribute} is neither an Npc attribute nor set (self.{attribute} = ...) in"
            )
        report.add(path, line, f"{message} {cls.__name__}{hint}", code="unknown-attribute")


def _check_handler_names(
    path: Path, cls: type[Npc], node: ast.ClassDef, uses: SelfUses, report: Report
) -> None:
    """A method named almost like a handler (``on_tik``) is never called by the engine."""
    used = {attribute for attribute, _, _ in uses.loads}
    for item in node.body:
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if item.name in HANDLERS or hasattr(Npc, item.name) or item.name in used:
            continue
        match = difflib.get_close_matches(item.name, HANDLERS, n=1, cutoff=0.8)
        if match:
            report.add(
                path,
                item.lineno,
                f"{cls.__name__}.{item.name} is not a handler the engine calls; did you mean "
                f"{match[0]}?",
                code="handler-typo",
            )


def _known_attributes(cls: type[Npc]) -> set[str]:
    """Everything the class and the Npc API define, annotations (``slot: int``) included."""
    known = set(dir(cls))
    for klass in cls.__mro__:
        known |= set(vars(klass).get("__annotations__", {}))
    return known


def _has_custom_getattr(cls: type[Npc]) -> bool:
    return any(
        name in vars(klass)
        for klass in cls.__mro__
        if klass is not object
        for name in ("__getattr__", "__getattribute__")
    )


def class_node(tree: ast.Module, cls: type) -> ast.ClassDef | None:
    """The (last, so the bound) top-level ``class`` statement of ``cls`` in a script."""
    nodes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    return nodes[-1] if nodes else None


def member_line(node: ast.ClassDef | None, name: str | None) -> int:
    """The line that (last) binds ``name`` in a class body, else the ``class`` line."""
    if node is None:
        return 1
    line = node.lineno
    for item in node.body if name else ():
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            bound = [item.name]
        elif isinstance(item, ast.Assign):
            bound = [t.id for t in item.targets if isinstance(t, ast.Name)]
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            bound = [item.target.id]
        else:
            bound = []
        if name in bound:
            line = item.lineno
    return line
