"""The scripts ``aicore check`` reads: which files the runtime would load (``*.py`` directly
in each folder, ``_*.py`` skipped; one in a subfolder is reported, the runtime never loads
it), and what their source alone says (syntax errors, compiler warnings, imports off the
allow-list). Their code then runs only in the checker process
(:mod:`engine_bridge.tooling.check.checker_process`)."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from engine_bridge.scripting.script_imports import find_forbidden_imports
from engine_bridge.tooling.check.checker_process import run_checker
from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.report import Report, plural, shown

__all__ = ["check_scripts"]


def check_scripts(
    paths: list[Path], content: ContentFacts, report: Report, timeout: float
) -> set[str]:
    """Check each script; returns the NPC kinds they define. What can be read from the
    source is checked here; what needs the script's code run, in the checker process."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [p for p in sorted(path.glob("*.py")) if not p.name.startswith("_")]
            _check_nested_scripts(path, report)
        elif path.is_file():
            files.append(path)
        else:
            report.add(path, None, "no such script folder or file", code="no-such-script")
    seen: dict[str, Path] = {}
    readable = []
    for path in files:
        if path.stem in seen:
            report.add(
                path,
                1,
                f"another script is also named {path.name} ({shown(seen[path.stem])}); the "
                f"runtime loads both as npc_scripts.{path.stem} and keeps only the last",
                code="duplicate-script-name",
            )
        seen[path.stem] = path
        if _read_script(path, report) is not None:
            readable.append(path)
    kinds = run_checker(readable, content, timeout, report)
    report.checked[:0] = [plural(len(files), "script"), plural(len(kinds), "NPC kind")]
    return kinds


def _check_nested_scripts(folder: Path, report: Report) -> None:
    """The runtime loads ``DIR/*.py`` only: a script in a subfolder never runs. Files and
    folders named ``_*`` or ``.*`` are kept out on purpose (as ``_*.py`` is beside the
    scripts) and are left alone."""
    for path in sorted(folder.rglob("*.py")):
        inner = path.relative_to(folder).parts
        if len(inner) == 1 or any(part.startswith(("_", ".")) for part in inner):
            continue
        report.add(
            path,
            None,
            f"not loaded by the runtime: scripts must be directly in {shown(folder)}/ "
            "(the runtime loads no subfolder); move it there, or name the file or its "
            "folder _* to keep it out on purpose",
            code="not-loaded",
        )


def _read_script(path: Path, report: Report) -> ast.Module | None:
    """The script's syntax tree, read from its bytes as the runtime compiles them (a
    coding cookie and a UTF-8 BOM are honoured), with its syntax errors, compiler
    warnings and imports the runtime would refuse reported; None if it does not compile."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        report.add(path, None, f"cannot read: {exc}", code="unreadable")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, str(path))
            compile(tree, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            report.add(path, exc.lineno, f"{type(exc).__name__}: {exc.msg}", code="syntax")
            return None
        except ValueError as exc:  # a NUL byte in the source
            report.add(path, 1, f"SyntaxError: {exc}", code="syntax")
            return None
    for warning in caught:
        report.add(
            path, warning.lineno, f"{warning.category.__name__}: {warning.message}", code="warning"
        )
    for refused in find_forbidden_imports(tree):
        report.add(path, refused.line, refused.reason, code="forbidden-import")
    return tree
