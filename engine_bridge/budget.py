"""Time budgets for script handlers: a handler that runs past its budget is interrupted
with ScriptTimeoutError raised inside it (an asynchronous exception, as Ctrl-C would)."""

from __future__ import annotations

import ctypes
import threading
import time
import weakref
from typing import ClassVar, Protocol

from engine_bridge.errors import ScriptTimeoutError

__all__ = ["Deadline", "ThreadDeadline"]


class Deadline(Protocol):
    def arm(self, seconds: float) -> None: ...
    def disarm(self) -> None: ...


class ThreadDeadline:
    """A polling watchdog for the runtime when no native bridge hosts it (tools, tests).

    ``arm``/``disarm`` take an uncontended lock, so guarding a handler costs almost nothing;
    one process-wide thread wakes every millisecond. Inside the engine the C++ bridge's
    watchdog does the same job without taking the GIL until it must interrupt.
    """

    _POLL_S = 0.001

    def __init__(self) -> None:
        self._target = threading.get_ident()
        self._deadline = 0.0  # 0: nothing armed
        self._serial = 0  # which handler the deadline belongs to
        self._fired = False  # an interrupt was raised and may not be delivered yet
        # Uncontended almost always; it makes "is this still the same handler?" and the
        # interrupt one step, so a late watchdog can never hit the next handler.
        self._lock = threading.Lock()
        _Poller.watch(self)

    def arm(self, seconds: float) -> None:
        with self._lock:
            self._target = threading.get_ident()
            self._serial += 1
            self._deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        with self._lock:
            if self._deadline:
                self._deadline = 0.0
                self._serial += 1
            if self._fired:
                self._fired = False
                # An interrupt raised but not delivered must not hit the next handler. Only
                # then: on CPython 3.11 clearing when nothing is pending leaves the eval
                # breaker set, and under a debugger every new frame then spins forever.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._target), None)

    def poll(self, now: float) -> None:
        """Called by the poller thread: interrupt the handler if it overran."""
        with self._lock:
            deadline = self._deadline
            if deadline and now >= deadline:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._target), ctypes.py_object(ScriptTimeoutError)
                )
                self._fired = True
                self._deadline = now + 0.05  # re-arm: it may loop on


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
            now = time.monotonic()
            for deadline in list(cls._deadlines):
                if deadline._deadline:
                    deadline.poll(now)
