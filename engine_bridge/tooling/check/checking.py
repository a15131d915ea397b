"""``check()``: the whole of ``aicore check`` as a function: the content, then the
scripts against it, one :class:`~engine_bridge.tooling.check.report.Report`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from engine_bridge.tooling.check.content_checks import check_content, check_kinds_have_scripts
from engine_bridge.tooling.check.report import Report
from engine_bridge.tooling.check.script_sources import check_scripts

__all__ = ["DEFAULT_TIMEOUT_S", "check"]


DEFAULT_TIMEOUT_S = 10.0
"""Seconds one script may take to load and be checked before it counts as hanging."""


def check(
    script_paths: Sequence[Path],
    content_roots: Path | Sequence[Path],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Report:
    """Check the scripts in ``script_paths`` (folders or files) against the content of
    ``content_roots`` (one folder, or several layered as the game layers them: later ones
    replace or extend earlier ones), and that content itself. Nothing of the game runs.

    Script code runs only in a child process
    (:mod:`~engine_bridge.tooling.check.checker_main`), each script with ``timeout``
    seconds to load and be checked: a script that loops, ends the process or crashes it
    is reported at its file, and the others are still checked. The content roots are
    passed to what reads them, never through the environment: ``os.environ`` is left as
    it was."""
    report = Report()
    roots = [Path(content_roots)] if isinstance(content_roots, str | Path) else list(content_roots)
    with _no_bytecode_files():
        content = check_content(roots, report)
        kinds = check_scripts([Path(p) for p in script_paths], content, report, timeout)
    check_kinds_have_scripts(content, kinds, report)
    # Loaders read each other's files (dialogue reads the voice lines): report each once.
    report.problems = list(dict.fromkeys(report.problems))
    order = {path: i for i, path in enumerate(dict.fromkeys(p.path for p in report.problems))}
    report.problems.sort(key=lambda p: (order[p.path], p.line or 0))
    return report


@contextlib.contextmanager
def _no_bytecode_files() -> Iterator[None]:
    """Importing a script must not leave ``__pycache__`` in the designer's folder."""
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before
