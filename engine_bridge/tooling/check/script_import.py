"""The checker process's part: import each script as the runtime does (a fresh module
``npc_scripts.<stem>``, the runtime's loader and import guard, no handler called), then
lint its classes (:mod:`engine_bridge.tooling.check.script_lint`)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from engine_bridge.api import Npc
from engine_bridge.scripting.script_imports import ForbiddenImportError, refusal
from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.report import Problem, Report
from engine_bridge.tooling.check.script_lint import (
    Claim,
    check_class,
    check_plain_classes,
    class_node,
    member_line,
)
from engine_bridge.tooling.check.signatures import accepts, first_line, shown_signature

__all__ = ["check_in_this_process"]


@dataclass
class _Script:
    """One script that compiled and imported."""

    path: Path
    module: ModuleType
    tree: ast.Module


def check_in_this_process(
    paths: list[Path], content: ContentFacts, emit: Callable[[Path, str], None]
) -> tuple[list[Problem], set[str]]:
    """The checker process's part: import each script as the runtime does and check its
    classes. ``emit(path, stage)`` is called before each script's code runs, so that the
    parent knows which script to blame when this process hangs or ends."""
    report = Report()
    scripts = []
    for path in paths:
        emit(path, "load")
        module = _import_script(path, report)
        if module is not None:
            scripts.append(_Script(path, module, ast.parse(path.read_bytes(), str(path))))
    classes = [(s.path, cls, class_node(s.tree, cls)) for s in scripts for cls in _classes(s)]
    nodes = {cls: node for _, cls, node in classes}
    claims: dict[str, Claim] = {}
    for script in scripts:
        emit(script.path, "check")
        check_plain_classes(script.path, script.module, script.tree, report)
        for path, cls, node in classes:
            if path == script.path:
                check_class(path, cls, node, nodes, content, claims, report)
    return report.problems, set(claims)


def _import_script(path: Path, report: Report) -> ModuleType | None:
    """Import as :class:`engine_bridge.scripting.script_host.ScriptHost` does: a fresh module
    ``npc_scripts.<stem>`` run by the runtime's own loader, with the import allow-list,
    no handler called."""
    from engine_bridge.scripting.script_host import _run_source  # the runtime's way, not a copy

    name = f"npc_scripts.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        report.add(path, None, "cannot be imported as a Python module", code="unimportable")
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        _run_source(module, path)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        line = next(
            (
                frame.lineno
                for frame in reversed(traceback.extract_tb(exc.__traceback__))
                if Path(frame.filename).resolve() == path.resolve()
            ),
            1,
        )
        if isinstance(exc, ForbiddenImportError) and exc.name:
            report.add(path, line, refusal(exc.name), code="forbidden-import")
        else:
            message = f"import failed: {type(exc).__name__}: {exc}"
            report.add(path, line, message, code="import-failed")
        return None
    sys.modules[name] = module  # as the runtime does, once it has loaded
    on_frame = getattr(module, "on_frame", None)
    if callable(on_frame) and not accepts(on_frame, 3):
        report.add(
            path,
            first_line(on_frame),
            f"on_frame{shown_signature(on_frame)} takes the wrong parameters: the runtime calls "
            "on_frame(runtime, dt, events) once a frame",
            code="hook-parameters",
        )
    return module


def _classes(script: _Script) -> list[type[Npc]]:
    """The Npc classes a script defines (with a kind or not), in source order."""
    module = script.module
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Npc)
        and obj is not Npc
        and obj.__module__ == module.__name__
    ]
    return sorted(found, key=lambda cls: member_line(class_node(script.tree, cls), None))
