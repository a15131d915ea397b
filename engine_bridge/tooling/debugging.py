"""Attach a debugger (VS Code, PyCharm) to the scripts running inside the game.

``aicore host --debug PORT`` and ``aicore_runtime_config.debug_port`` call :func:`listen`
on the game thread: debugpy then accepts a Debug Adapter Protocol client on
127.0.0.1:PORT, and breakpoints in NPC scripts are hit on the game thread, inside the tick.

Two things differ from debugging a plain ``python`` process:

* debugpy runs its adapter (the part the IDE talks to) as a separate Python process. An
  embedded interpreter has no ``sys.executable``, so :func:`listen` names the Python
  installation the game embeds.
* The thread that calls :func:`listen` is traced from then on; the bridge calls it on the
  game thread, which is the thread that runs every tick. A trace function must never meet
  ``PyThreadState_SetAsyncExc(thread, NULL)`` when nothing is pending: on CPython 3.11 that
  leaves the interpreter's "asynchronous exception" flag set, and under a trace function
  every new Python frame then spins forever at its first instruction. So the watchdogs
  that enforce the script time budgets must clear an interrupt only when they raised one,
  and the bridge must enforce no budget while a debug port is open (a handler paused at a
  breakpoint is not a runaway).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from vocal.extras import import_extra

__all__ = ["listen"]

_LOOPBACK = "127.0.0.1"

_listening_on: int | None = None


def listen(port: int) -> None:
    """Accept a debugger on 127.0.0.1:``port`` (loopback only); returns at once.

    Calling it again with the same port does nothing; with another port it raises
    ``RuntimeError`` (debugpy serves one port per process).
    """
    global _listening_on  # noqa: PLW0603 -- one debug server per process, like debugpy's own
    port = int(port)
    if _listening_on == port:
        return
    if _listening_on is not None:
        raise RuntimeError(
            f"a debugger already listens on {_LOOPBACK}:{_listening_on}; "
            f"one process serves one debug port, not also {port}"
        )
    # The embedded interpreter runs with frozen stdlib modules; pydevd warns about it on
    # every start, although it only matters for stepping into the stdlib, not into scripts.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    debugpy = import_extra("debugpy", "the script debugger (a debug port)")
    debugpy.configure(python=_adapter_python())
    debugpy.listen((_LOOPBACK, port))
    _listening_on = port


def _adapter_python() -> str:
    """A Python executable to run debugpy's adapter: this process's own when it is a Python,
    else the one of the installation the game embeds (``sys.base_prefix``)."""
    own = Path(sys.executable) if sys.executable else None
    if own is not None and own.name.lower().startswith("python") and own.is_file():
        return str(own)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(sys.base_prefix)
    candidates = [
        base / "bin" / f"python{version}",
        base / "bin" / "python3",
        base / "python.exe",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(f"python{version}")
    if found is None:
        raise RuntimeError(
            f"no Python {version} executable found in {base} or on PATH to run the debug adapter"
        )
    return found
