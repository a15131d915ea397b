"""``aicore check``: load every NPC script and content file without running the game and
report each problem as ``path:line: message`` (exit 1), or print one summary line (exit 0).

Scripts (``*.py`` in each folder, ``_*.py`` skipped, as the runtime does; a ``.py`` in a
subfolder is reported, the runtime never loads it) are read from their bytes as the
runtime compiles them, for syntax errors, compiler warnings and imports off the
allow-list (:mod:`~engine_bridge.tooling.check.script_sources`). Their code then runs only
in a checker process of its own (:mod:`~engine_bridge.tooling.check.checker_process`
starts and watches :mod:`~engine_bridge.tooling.check.checker_main`), each script under a
timeout: imported as the runtime imports it (:mod:`~engine_bridge.tooling.check.script_import`)
and its classes read for misuse of the designer API
(:mod:`~engine_bridge.tooling.check.script_lint`,
:mod:`~engine_bridge.tooling.check.call_checks`). A script that hangs or ends that process
is reported at its file; the others are checked in a new one.

Content is read by the same loaders the game uses
(:mod:`~engine_bridge.tooling.check.content_checks`); each problem is reported at its file
and at the line its structured error gives, or where the error's table and field are in
the file (:mod:`~engine_bridge.tooling.check.locations`).

The command line is :mod:`~engine_bridge.tooling.check.command`; ``check()`` is the whole
check as a function, and :class:`Problem` / :class:`Report` what it returns.
"""

from __future__ import annotations

from engine_bridge.tooling.check.checking import DEFAULT_TIMEOUT_S, check
from engine_bridge.tooling.check.report import Problem, Report

__all__ = ["DEFAULT_TIMEOUT_S", "Problem", "Report", "check"]
