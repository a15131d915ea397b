"""The process in which ``aicore check`` runs script code (``python -m`` this module).

A script's top level is arbitrary code: it can loop, end the process, crash it or leave a
thread running. Run here, none of that can hang or fool ``aicore check``, which starts
this process and watches it.

Protocol. Input, on stdin: a line holding one JSON object ``{"scripts": [path, ...],
"content": {...}}`` (``ContentFacts.to_json``); then, if a script is past its timeout, the
line ``where``, answered with ``{"stuck": line}``: the line of the script the main thread
is running (``null`` if it is in none). Output, on stdout, one JSON object a line: ``{"at": path,
"stage": "load" | "check"}`` before a script's code runs (so the parent knows whom to
blame if this process hangs or ends), then, last, ``{"problems": [[path, line, message,
code], ...], "kinds": [kind, ...]}``. What the scripts print goes to stderr, never into
the protocol. The process ends with ``os._exit(0)`` once it has answered.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import warnings
from pathlib import Path
from typing import BinaryIO, TextIO


def main() -> None:
    """Answer one request on stdin (see the module's protocol), then end the process."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # print() in a script lands on stderr, not in the protocol
    control = os.fdopen(os.dup(0), "rb")
    with open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), 0)  # input() in a script reads nothing, not the parent's asks
    request = json.loads(control.readline())
    scripts = set(request["scripts"])
    threading.Thread(
        target=_answer_where_stuck,
        args=(control, protocol, scripts, threading.get_ident()),
        daemon=True,
    ).start()
    # aicore check reports the compiler's warnings from the source already: loading the
    # script would print them again.
    warnings.simplefilter("ignore", SyntaxWarning)

    from engine_bridge.tooling.check.content_facts import ContentFacts
    from engine_bridge.tooling.check.script_import import check_in_this_process

    # The game has numpy loaded before any script runs: its import is not a script's time.
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401

    def emit(path: Path, stage: str) -> None:
        _send(protocol, {"at": str(path), "stage": stage})

    problems, kinds = check_in_this_process(
        [Path(p) for p in request["scripts"]], ContentFacts.from_json(request["content"]), emit
    )
    _send(
        protocol,
        {
            "problems": [[p.path, p.line, p.message, p.code] for p in problems],
            "kinds": sorted(kinds),
        },
    )
    # Not sys.exit: a thread a script started, or an atexit handler it registered, would
    # keep the process (and aicore check) waiting, or change its exit code.
    os._exit(0)


_SENDING = threading.Lock()


def _send(protocol: TextIO, message: dict[str, object]) -> None:
    with _SENDING:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()


def _answer_where_stuck(control: BinaryIO, protocol: TextIO, scripts: set[str], main: int) -> None:
    """When the parent asks (a line on stdin: the script is past its timeout), send the
    line of the innermost script frame the main thread is running."""
    if not control.readline():
        return  # the parent closed stdin: nothing will be asked
    frame = sys._current_frames().get(main)
    line = None
    while frame is not None:
        if frame.f_code.co_filename in scripts:
            line = frame.f_lineno
            break
        frame = frame.f_back
    _send(protocol, {"stuck": line})


if __name__ == "__main__":
    main()
