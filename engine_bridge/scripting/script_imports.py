"""What NPC scripts may import: the allow-list, a static scanner for ``aicore check`` and
the runtime guard that ``ScriptHost`` puts in each script module's builtins.

A capability boundary against accidents, in the spirit of Luau's sandboxed globals: a
script that imports ``time`` and calls ``time.sleep`` freezes the game, one that imports
``os`` or ``threading`` can end or outlive it. Scripts get the designer API and the pure
parts of the standard library, nothing else; anything more is a decision written here.

It is **not** a security boundary: in-process CPython cannot be made one (see
``docs/designers.md``, "What scripts may import"). A game that runs untrusted mods runs
them in another process or a real sandbox.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALLOWED_MODULES",
    "DOCS",
    "FORBIDDEN_EXAMPLES",
    "ForbiddenImport",
    "ForbiddenImportError",
    "find_forbidden_imports",
    "is_allowed",
    "refusal",
    "script_builtins",
]

ALLOWED_MODULES: Mapping[str, str] = {
    # The designer API. The rest of engine_bridge is the runtime itself: a script that
    # imported engine_bridge.core.runtime or .scheduler could reach past its own NPC.
    "engine_bridge.api": "Npc, Event, NpcInfo: the designer API",
    "engine_bridge.core.errors": "ScriptLimitError, ScriptTimeoutError: what the runtime raises",
    # The language itself.
    "__future__": "from __future__ import annotations",
    "abc": "abstract base classes",
    "typing": "type hints",
    "dataclasses": "data classes",
    "enum": "enumerations",
    "contextlib": "context managers",
    "copy": "copy and deepcopy",
    "weakref": "weak references: a cache that does not keep what it holds alive",
    # Pure computation: no files, no processes, no threads, no clocks, no network.
    "math": "mathematics",
    "cmath": "complex mathematics",
    "random": "random numbers",
    "statistics": "mean, median...",
    "fractions": "exact fractions",
    "decimal": "decimal arithmetic",
    "numbers": "numeric abstract types",
    "itertools": "iterator building blocks",
    "functools": "partial, lru_cache, reduce...",
    "operator": "operators as functions",
    "collections": "deque, Counter, defaultdict... (and collections.abc)",
    "heapq": "priority queues",
    "bisect": "sorted lists",
    "string": "string constants and templates",
    "textwrap": "wrapping text",
    "re": "regular expressions",
    "json": "JSON text to and from values (no files)",
    "datetime": "dates and durations (the wall clock is no game clock: use dt and after)",
    "numpy": "arrays: the world state is numpy already",
}
"""Each module a script may import, with what it is for. A module's submodules are allowed
with it (``collections.abc``, ``numpy.linalg``); ``engine_bridge`` is allowed only in the
modules named. The single source of truth: ``docs/designers.md`` is checked against it."""

FORBIDDEN_EXAMPLES: Mapping[str, str] = {
    "time": "time.sleep blocks the game thread; handlers get dt, and after() waits in game time",
    "os": "files, processes, os._exit ends the game",
    "sys": "sys.exit, sys.modules, the interpreter's settings",
    "threading": "a thread outlives its NPC and races the game thread",
    "multiprocessing": "processes",
    "subprocess": "processes",
    "signal": "the engine's signal handlers",
    "ctypes": "native memory: one wrong pointer crashes the game",
    "gc": "the runtime collects between frames, never inside a handler",
    "socket": "the network",
    "importlib": "imports past this list",
    "builtins": "the runtime's own builtins",
    "io": "files",
    "pathlib": "files",
    "shutil": "files",
    "pickle": "loading a pickle runs code",
    "inspect": "frames of the runtime",
    "logging": "the game's log configuration",
    "engine_bridge": "the runtime itself, past the designer API (engine_bridge.api, "
    "engine_bridge.core.errors)",
}
"""Modules scripts ask for that are left out on purpose, and why (for the docs)."""

DOCS = 'docs/designers.md, "What scripts may import"'

SCRIPT_PACKAGE = "npc_scripts"
"""Script modules are named ``npc_scripts.<stem>`` by ``ScriptHost``."""


class ForbiddenImportError(ImportError):
    """Raised in a script that imports a module not on :data:`ALLOWED_MODULES`. An
    ``ImportError``, so ``try: import x / except ImportError:`` still works; ``name`` is
    the module refused."""


def is_allowed(module: str, names: tuple[str, ...] = ()) -> bool:
    """Whether a script may ``import module`` (or ``from module import *names``)."""
    parts = module.split(".")
    if any(".".join(parts[:i]) in ALLOWED_MODULES for i in range(1, len(parts) + 1)):
        return True
    # ``from engine_bridge import api``: a package above allowed modules, each name one.
    if names and any(allowed.startswith(module + ".") for allowed in ALLOWED_MODULES):
        return all(is_allowed(f"{module}.{name}") for name in names)
    return False


def refusal(module: str) -> str:
    """Why ``module`` cannot be imported, for the ImportError and ``aicore check``."""
    if module.startswith("."):
        why = "a relative import: scripts are loaded one by one, not as a package"
    else:
        why = FORBIDDEN_EXAMPLES.get(module.split(".", maxsplit=1)[0])
    because = f" ({why})" if why else ""
    return f"NPC scripts may not import {module!r}{because}; see {DOCS}"


@dataclass(frozen=True)
class ForbiddenImport:
    """One import of a script that the runtime would refuse: where and what."""

    line: int
    module: str
    reason: str


def find_forbidden_imports(tree: ast.Module) -> list[ForbiddenImport]:
    """Every import in a script's source the runtime would refuse, in source order:
    ``import``/``from`` statements at any depth, ``__import__("os")`` and
    ``importlib.import_module("os")`` with a literal name. Imports under
    ``if TYPE_CHECKING:`` never run and are left alone."""
    found = []
    for node in _runtime_nodes(tree):
        for module, names in _imported(node):
            if not is_allowed(module, names):
                found.append(ForbiddenImport(node.lineno, module, refusal(module)))
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from (n for child in node.orelse for n in _walk_with(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _walk_with(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from _runtime_nodes(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.AST) -> Iterator[tuple[str, tuple[str, ...]]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, ()
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            # Scripts are loaded one by one, not as a package: a relative import names
            # a sibling script, which is not there to import.
            yield "." * node.level + (node.module or ""), ()
        else:
            yield node.module or "", tuple(a.name for a in node.names)
    elif isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        function = node.func
        called = (
            function.id
            if isinstance(function, ast.Name)
            else function.attr
            if isinstance(function, ast.Attribute)
            else None
        )
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        if called in ("__import__", "import_module") and literal:
            yield str(first.value), ()


def _is_script_code(globals_: Mapping[str, Any] | None) -> bool:
    # No globals: __import__("os") called by hand, which only script code does with the
    # builtins made here.
    if globals_ is None:
        return True
    name = globals_.get("__name__")
    return not isinstance(name, str) or name.split(".")[0] == SCRIPT_PACKAGE


def _guarded_import(real: Callable[..., Any]) -> Callable[..., Any]:
    def __import__(  # noqa: N807 -- it replaces the builtin of that name
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> Any:
        # Library code imports with its own builtins; these are reached only from script
        # code, or from library code running with a script's globals.
        if _is_script_code(globals):
            module = "." * level + name if level else name
            names = tuple(n for n in fromlist or () if n != "*")
            if level or not is_allowed(module, names):
                raise ForbiddenImportError(refusal(module), name=module)
        return real(name, globals, locals, fromlist, level)

    return __import__


def script_builtins() -> dict[str, Any]:
    """A fresh builtins dict for one script module (``module.__dict__["__builtins__"]``):
    the real builtins, with an ``__import__`` that refuses what is not on the allow-list
    to script code and passes every other import through."""
    namespace = dict(vars(builtins))
    namespace["__import__"] = _guarded_import(builtins.__import__)
    return namespace
