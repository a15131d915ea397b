"""Time budgets for script code: a handler whose own CPU time passes its budget is
interrupted with ScriptTimeoutError raised inside it (an asynchronous exception, as Ctrl-C
would), and so is one blocked far longer than that in wall time (a sleep, a lock).

The game thread and the watchdog share a *gate*: four unsigned 64-bit words.

==========  =========================================================================
word        meaning
==========  =========================================================================
0 serial    which handler runs now (a new number per call); 0 while none does
1 raised    non-zero once the watchdog has raised an interrupt that may be undelivered
2 cpu_ns    the running handler's budget in thread CPU nanoseconds
3 wall_ns   the wall-time backstop in nanoseconds (for a handler blocked, not computing)
4 escalated non-zero while the interrupt is escalated (see below)
==========  =========================================================================

Guarding a handler is two stores into the gate — no lock, no call into C, no clock read —
so a frame of a thousand handlers pays microseconds for its budgets. The watchdog polls
the gate every millisecond; when the same serial is still there it reads the game thread's
CPU clock (``pthread_getcpuclockid``), so a handler is charged only for the time it
actually ran: a busy machine that preempts the game never makes a healthy script a
"runaway". A budget therefore starts when the watchdog first sees the handler, up to one
poll (about 1 ms) after it began. Before it interrupts, the watchdog takes the GIL and
checks the serial again: under the GIL the game thread cannot move, so a late interrupt
can never land in the next handler.

A handler that swallows its interrupt (``except BaseException``) and runs on is interrupted
again a budget later, and the second time the interrupt is *escalated*: a trace function on
the game thread raises it at every line of script code, the first line of the script's own
``except`` block included, so no Python handler can hold it; the runtime's own frames are
spared, and the scheduler removes the trace (``sys.settrace(None)``) when it disarms. The
trace function is native (``cpp/bridge/src/escalation.cpp``, ``engine_bridge.native._guard``).

Inside the engine the C++ bridge's watchdog (``cpp/bridge/src/watchdog.cpp``) reads the
same gate without the GIL; :class:`ThreadDeadline` is its twin for tools and tests that
run without the bridge.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
import weakref
from typing import ClassVar, Protocol

from engine_bridge.core.errors import ScriptTimeoutError

try:
    from engine_bridge.native._guard import escalate as _escalate
except ImportError:  # a source checkout without the native build: no escalation
    _escalate = None

# Frames in any module of the package (not only this room) are the runtime's own.
_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

__all__ = [
    "GATE_CPU_NS",
    "GATE_ESCALATED",
    "GATE_RAISED",
    "GATE_SERIAL",
    "GATE_WALL_NS",
    "Deadline",
    "ThreadDeadline",
    "new_gate",
    "set_budget",
]

GATE_SERIAL, GATE_RAISED, GATE_CPU_NS, GATE_WALL_NS, GATE_ESCALATED = 0, 1, 2, 3, 4
_GATE_WORDS = 5

# A handler blocked in a sleep or a lock uses no CPU; it is stopped when it has held the
# frame this many times its CPU budget in wall time (0.25 s for the default 5 ms).
WALL_BACKSTOP_FACTOR = 50.0


class Deadline(Protocol):
    """What the scheduler needs from a watchdog: the gate, and a way to drop an interrupt
    raised for a handler that finished before it was delivered."""

    @property
    def gate(self) -> memoryview: ...

    def enter(self) -> None: ...

    def cancel_pending(self) -> None: ...


def new_gate() -> memoryview:
    """A gate that Python owns (the bridge hands one over C++ memory instead)."""
    return memoryview(bytearray(8 * _GATE_WORDS)).cast("Q")


def set_budget(gate: memoryview, cpu_seconds: float, wall_seconds: float | None = None) -> None:
    """Set the CPU budget of the code guarded next, and its wall-time backstop (by default
    ``WALL_BACKSTOP_FACTOR`` times the CPU budget)."""
    if wall_seconds is None:
        wall_seconds = cpu_seconds * WALL_BACKSTOP_FACTOR
    gate[GATE_CPU_NS] = max(1, int(cpu_seconds * 1e9))
    gate[GATE_WALL_NS] = max(1, int(wall_seconds * 1e9))


class ThreadDeadline:
    """The watchdog for a runtime that no native bridge hosts (tools, tests, the sandbox).

    One process-wide thread polls every deadline each millisecond; the thread it guards is
    the one that last called :meth:`enter` (the runtime does at every frame).
    """

    _POLL_S = 0.001

    def __init__(self) -> None:
        self._gate = new_gate()
        set_budget(self._gate, 0.005)
        self._target = 0
        self._clock: int | None = None
        # What the watchdog saw at its previous poll: the serial, and the CPU and wall
        # clocks when it first saw it.
        self._seen = 0
        self._cpu0 = 0
        self._wall0 = 0
        self._fired_serial = 0  # the handler last interrupted, and how many times
        self._fired = 0
        self.enter()
        _Poller.watch(self)

    @property
    def gate(self) -> memoryview:
        return self._gate

    def enter(self) -> None:
        """Guard the calling thread from now on (cheap when it is the same thread)."""
        ident = threading.get_ident()
        if ident != self._target:
            self._target = ident
            try:
                self._clock = time.pthread_getcpuclockid(ident)
            except (AttributeError, OSError):  # no per-thread CPU clock: wall time only
                self._clock = None

    def cancel_pending(self) -> None:
        # Only when one was raised: on CPython 3.11 clearing when nothing is pending leaves
        # the eval breaker set, and under a debugger every new frame then spins forever.
        if self._gate[GATE_RAISED]:
            self._gate[GATE_RAISED] = 0
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._target), None)
        if self._gate[GATE_ESCALATED]:
            self._gate[GATE_ESCALATED] = 0
            sys.settrace(None)  # the escalation's trace, on this (the game) thread

    def poll(self) -> None:
        """Called by the poller thread (holding the GIL, so the game thread is still)."""
        gate = self._gate
        serial = gate[GATE_SERIAL]
        if serial == 0:
            self._seen = 0
            return
        wall = time.monotonic_ns()
        cpu = time.clock_gettime_ns(self._clock) if self._clock is not None else wall
        if serial != self._seen:
            self._seen, self._cpu0, self._wall0 = serial, cpu, wall
            return
        if cpu - self._cpu0 < gate[GATE_CPU_NS] and wall - self._wall0 < gate[GATE_WALL_NS]:
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(self._target), ctypes.py_object(ScriptTimeoutError)
        )
        gate[GATE_RAISED] = 1
        # Re-arm: a handler that swallows the interrupt is interrupted again a budget later,
        # and the second time the interrupt is escalated.
        self._cpu0, self._wall0 = cpu, wall
        self._fired = self._fired + 1 if self._fired_serial == serial else 1
        self._fired_serial = serial
        swallowed = self._fired >= 2 and not gate[GATE_ESCALATED]
        if swallowed and _escalate is not None:
            gate[GATE_ESCALATED] = int(_escalate(self._target, ScriptTimeoutError, _RUNTIME_DIR))


class _Poller:
    """One thread for every ThreadDeadline of the process (a runtime per test, say, must
    not mean a polling thread each). Deadlines are held weakly: a dropped runtime stops
    being polled."""

    _deadlines: ClassVar[weakref.WeakSet[ThreadDeadline]] = weakref.WeakSet()
    _thread: threading.Thread | None = None
    _guard = threading.Lock()

    @classmethod
    def watch(cls, deadline: ThreadDeadline) -> None:
        with cls._guard:
            cls._deadlines.add(deadline)
            if cls._thread is None:
                cls._thread = threading.Thread(target=cls._run, name="aicore-watchdog", daemon=True)
                cls._thread.start()

    @classmethod
    def _run(cls) -> None:
        while True:
            time.sleep(ThreadDeadline._POLL_S)
            for deadline in list(cls._deadlines):
                if deadline._gate[GATE_SERIAL] or deadline._seen:
                    deadline.poll()
