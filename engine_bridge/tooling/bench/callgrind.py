"""Counting the instructions of one function with valgrind's callgrind.

A fixed piece of work executes the same instructions however busy the machine is, so its
instruction count is a figure QA can gate on where wall times swing (docs/qa.md,
"Instruction counts"). ``perf stat`` would be cheaper, but this machine's VM exposes no
hardware counters; callgrind counts every guest instruction (``Ir``) itself.

:func:`count_instructions` runs a command under callgrind with collection off, switched on
only inside the named function (``--toggle-collect``), so start-up and set-up are not
counted. With ``per_call=True`` callgrind also writes one dump after each call of the
function (``--dump-after``), and the count of every call is returned in order: a caller
can drop warm-up calls and see how calls differ.

Callgrind's output files are machine-written data in a documented format; only their
``totals:`` (or ``summary:``) line, the count of the collected events (``Ir`` first), is
read here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CallgrindError",
    "InstructionCount",
    "callgrind_available",
    "count_instructions",
    "read_total",
]

_TOTAL_LINE = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)
_PART_SUFFIX = re.compile(r"\.(\d+)$")
_VALGRIND_LINE = re.compile(r"^==\d+==")


class CallgrindError(RuntimeError):
    """A count that could not be made: which command, and why (``reason``)."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f"{command}: {reason}")
        self.command = command
        self.reason = reason


@dataclass(frozen=True)
class InstructionCount:
    """The instructions counted inside the toggled function."""

    total: int
    """Every counted instruction, over all calls."""
    calls: tuple[int, ...] = ()
    """With ``per_call``: each call's count, in call order (they sum to ``total``)."""


def callgrind_available() -> bool:
    """True when ``valgrind --tool=callgrind`` can run here."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return False
    try:
        done = subprocess.run(
            [valgrind, "--tool=callgrind", "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def read_total(path: Path) -> int:
    """The first event's total (``Ir``) of one callgrind output file."""
    text = path.read_text(errors="replace")
    found = _TOTAL_LINE.search(text)
    if found is None:
        raise CallgrindError(str(path), "has no totals: or summary: line")
    return int(found.group(1))


def count_instructions(
    command: Sequence[str],
    *,
    function: str,
    per_call: bool = False,
    instrument_from_start: bool = True,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 900.0,
) -> InstructionCount:
    """Run ``command`` under callgrind, counting only inside ``function`` (a symbol name
    as callgrind shows it; ``*`` and ``?`` match any characters).

    ``instrument_from_start=False``: the program runs uninstrumented (several times faster)
    until it asks for instrumentation itself (``CALLGRIND_START_INSTRUMENTATION``, as
    ``aicore-host`` does before its first frame); ``function`` must be entered after that.

    ``per_call`` needs ``function``'s exact name: callgrind dumps after a call only of a
    function named exactly (ValueError otherwise).

    Raises :class:`CallgrindError` when valgrind is missing, the command fails or times out
    (its stderr's tail is the reason), or no call of ``function`` was seen."""
    if per_call and any(c in function for c in "*?"):
        raise ValueError(f"per_call needs a function's exact name, got the pattern {function!r}")
    shown = " ".join(command)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise CallgrindError(shown, "valgrind is not installed (tools/install_system_packages.sh)")
    with tempfile.TemporaryDirectory(prefix="aicore-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        argv = [
            valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--collect-atstart=no",
            f"--toggle-collect={function}",
        ]
        if not instrument_from_start:
            argv.append("--instr-atstart=no")
        if per_call:
            argv.append(f"--dump-after={function}")
        argv += list(command)
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                env=None if env is None else {**os.environ, **env},
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CallgrindError(
                shown, f"did not finish in {timeout_s:g} s under callgrind"
            ) from exc
        if done.returncode != 0:
            # The program's own lines: valgrind's (``==pid==``) only say it ran.
            own = [
                ln for ln in done.stderr.splitlines() if ln.strip() and not _VALGRIND_LINE.match(ln)
            ]
            tail = " | ".join(own[-4:]) or "(no message)"
            raise CallgrindError(shown, f"exited {done.returncode} under callgrind: {tail}")
        calls = _parts(out) if per_call else ()
        final = read_total(out) if out.exists() else 0
        total = sum(calls) + final
    if total == 0:
        raise CallgrindError(shown, f"no instruction was counted inside {function!r}")
    return InstructionCount(total=total, calls=calls)


def _parts(out: Path) -> tuple[int, ...]:
    """The per-call dumps ``<out>.1``, ``<out>.2``... in order."""
    numbered: list[tuple[int, Path]] = []
    for path in out.parent.glob(out.name + ".*"):
        suffix = _PART_SUFFIX.search(path.name)
        if suffix is not None:
            numbered.append((int(suffix.group(1)), path))
    return tuple(read_total(path) for _, path in sorted(numbered))
