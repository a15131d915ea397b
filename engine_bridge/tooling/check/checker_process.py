"""Running the scripts' code in checker processes and watching them
(:mod:`engine_bridge.tooling.check.checker_main` is the other end): a script that hangs,
ends its process or crashes it is reported at its file (at its line when the stuck
process can say), and the others are checked in a new process."""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.report import Problem, Report

__all__ = ["run_checker"]


_STARTUP_S = 60.0
"""The checker process's own start (Python, numpy) is not a script's time; it gets this
long, a machine busy building being slow, not stuck."""


@dataclass
class _Outcome:
    """How one checker process ended."""

    result: dict[str, Any] | None  # its answer, when it gave one
    at: Path | None  # the script whose code it was running last
    stage: str  # "load" or "check"
    returncode: int | None  # None: killed after the timeout
    line: int | None = None  # where in that script it was stuck, when it could say


def run_checker(
    files: list[Path], content: ContentFacts, timeout: float, report: Report
) -> set[str]:
    """Run the scripts' code in checker processes: a script that hangs or ends its process
    is reported at its file and left out, and the others are checked in a new one."""
    remaining = list(files)
    while remaining:
        outcome = _run_checker_once(remaining, content, timeout)
        if outcome.result is not None and outcome.returncode == 0:
            for path, line, message, code in outcome.result["problems"]:
                report.problems.append(Problem(path, line, message, code))
            return set(outcome.result["kinds"])
        how = _how_it_ended(outcome.returncode, timeout)
        if outcome.at is None or outcome.at not in remaining:
            report.add(
                remaining[0],
                None,
                f"the script checker process {how} before it ran a script; scripts not checked",
                code="checker-failed",
            )
            return set()
        loading = outcome.stage == "load"
        doing = "loading this script" if loading else "checking its classes"
        if outcome.returncode is None:
            likely = (
                "a loop at its top level, or a blocking call?"
                if loading
                else "code that runs when a class is read: a metaclass, a descriptor?"
            )
            report.add(
                outcome.at,
                outcome.line,
                f"timed out after {timeout:g} s while {doing} ({likely}); the game would "
                "freeze the same way",
                code="load-timeout",
            )
        else:
            report.add(
                outcome.at,
                None,
                f"{doing} ended the process ({how}); the game would end the same way",
                code="load-ended-process",
            )
        remaining.remove(outcome.at)
    return set()


def _how_it_ended(returncode: int | None, timeout: float) -> str:
    if returncode is None:
        return f"timed out after {timeout:g} s"
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _run_checker_once(files: list[Path], content: ContentFacts, timeout: float) -> _Outcome:
    from engine_bridge.tooling.check import checker_main

    request = json.dumps({"scripts": [str(f) for f in files], "content": content.to_json()})
    process = subprocess.Popen(
        [sys.executable, "-B", "-m", checker_main.__name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    # stdin stays open: on a timeout, a line on it asks the checker where it is stuck.
    with contextlib.suppress(OSError):  # it ended first: told by its exit code
        process.stdin.write(request.encode() + b"\n")
        process.stdin.flush()
    lines: queue.Queue[bytes | None] = queue.Queue()
    # A thread, not select(): pipes cannot be polled on Windows, where designers work too.
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    at: Path | None = None
    stage, result, wait_s = "load", None, max(_STARTUP_S, timeout)
    try:
        while True:
            try:
                raw = lines.get(timeout=wait_s)
            except queue.Empty:
                line = _ask_where_stuck(process.stdin, lines)
                process.kill()
                process.wait()
                return _Outcome(None, at, stage, None, line)
            if raw is None:
                break
            try:
                message = json.loads(raw)
            except ValueError:
                break  # not the checker speaking: ended abnormally
            if "at" in message:
                at, stage, wait_s = Path(message["at"]), message["stage"], timeout
            elif "problems" in message:
                result = message
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # it closed its output but lives on
            process.kill()
            process.wait()
            return _Outcome(None, at, stage, None)
        return _Outcome(result, at, stage, returncode)
    finally:
        with contextlib.suppress(OSError):
            process.stdin.close()


_ANSWER_S = 2.0
"""How long a stuck checker has to say where: its watchdog thread needs the GIL, which a
script looping in Python code gives up every few milliseconds (and one blocked inside a
single C call never does: then the line is unknown)."""


def _ask_where_stuck(control: Any, lines: queue.Queue[bytes | None]) -> int | None:
    """The line of the script the checker's main thread is running, if it can say."""
    try:
        control.write(b"where\n")
        control.flush()
    except OSError:
        return None
    while True:
        try:
            raw = lines.get(timeout=_ANSWER_S)
        except queue.Empty:
            return None
        if raw is None:
            return None
        with contextlib.suppress(ValueError):
            message = json.loads(raw)
            if "stuck" in message:
                line = message["stuck"]
                return line if isinstance(line, int) else None


def _read_lines(stream: Any, lines: queue.Queue[bytes | None]) -> None:
    with stream:
        for raw in stream:
            lines.put(raw)
    lines.put(None)
