"""Each runtime's log records go to its own sink, however many runtimes share the process.

The ``aicore`` loggers are process-wide, and so is the one handler installed on them while
any runtime has a sink. A record is routed by the thread that produced it:

* the game thread, while one runtime's call runs (its creation, a tick, a spawn, ...):
  the runtime enters its :class:`LogRoute` for the call (:func:`enter`, :func:`leave`);
* a runtime's worker threads (the clip loader, the script watcher) adopt its route when
  they start (:meth:`LogRoute.adopt`), for their whole life.

A record no live route claims (another thread's, or one logged between calls) is handled
the way Python would without us: by the root logger's handlers, or by ``logging``'s last
resort (warnings and errors to stderr). Closing one runtime's route leaves the others'
routing as it was; when the last one closes, the ``aicore`` logger is given back.

Example::

    route = LogRoute(lambda level, message: print(level, message))
    previous = enter(route)
    try:
        logging.getLogger("aicore.runtime").warning("to this runtime's sink")
    finally:
        leave(previous)
    route.close()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["LogRoute", "LogSink", "enter", "leave"]

LogSink = Callable[[int, str], None]

_LOGGER = "aicore"
_local = threading.local()  # .route: the LogRoute records of this thread go to, if any
_guard = threading.Lock()
_live: set[LogRoute] = set()


class _Installed:
    """The router on the ``aicore`` logger, and what the logger had before it."""

    router: _Router | None = None
    saved: tuple[bool, int] | None = None  # propagate and level


_installed = _Installed()


class LogRoute:
    """One runtime's sink and the threads whose records go to it."""

    def __init__(self, sink: LogSink) -> None:
        self._sink: LogSink | None = sink
        _install(self)

    @property
    def open(self) -> bool:
        return self._sink is not None

    def adopt(self) -> None:
        """Route the calling thread's records here for its whole life: a worker thread
        calls this first (a thread pool's ``initializer``)."""
        _local.route = self

    def send(self, record: logging.LogRecord, text: str) -> bool:
        sink = self._sink
        if sink is None:
            return False
        sink(record.levelno, text)
        return True

    def close(self) -> None:
        """Stop routing to the sink; the other runtimes' routes are untouched."""
        self._sink = None
        _uninstall(self)


def enter(route: LogRoute | None) -> LogRoute | None:
    """Route the calling thread's records to ``route`` (None: to no runtime) until
    :func:`leave`; returns the route that was in force, for :func:`leave` (calls nest: a
    runtime's call may create or drive another runtime)."""
    previous: LogRoute | None = getattr(_local, "route", None)
    _local.route = route
    return previous


def leave(previous: LogRoute | None) -> None:
    """Give the calling thread back the route :func:`enter` returned."""
    _local.route = previous


class _Router(logging.Handler):
    """The one handler on the ``aicore`` logger while any route is live."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        route: LogRoute | None = getattr(_local, "route", None)
        try:
            if route is not None and route.send(record, self.format(record)):
                return
        except Exception:  # a broken sink must not break a frame
            self.handleError(record)
            return
        _unclaimed(record)


def _unclaimed(record: logging.LogRecord) -> None:
    """What Python does with a record when the ``aicore`` logger does not stop it. A
    handler attached to the ``aicore`` logger as well as to the root (pytest's capture
    attaches to every logger that does not propagate) has had the record already."""
    root = logging.getLogger()
    handlers = root.handlers
    had_it = set(logging.getLogger(_LOGGER).handlers)
    for handler in handlers:
        if handler not in had_it and record.levelno >= handler.level:
            handler.handle(record)
    last = logging.lastResort
    if not handlers and last is not None and record.levelno >= last.level:
        last.handle(record)


def _install(route: LogRoute) -> None:
    with _guard:
        _live.add(route)
        if _installed.router is not None:
            return
        logger = logging.getLogger(_LOGGER)
        _installed.saved = (logger.propagate, logger.level)
        _installed.router = _Router()
        logger.addHandler(_installed.router)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the router hands unclaimed records on itself


def _uninstall(route: LogRoute) -> None:
    with _guard:
        _live.discard(route)
        if _live or _installed.router is None:
            return
        logger = logging.getLogger(_LOGGER)
        logger.removeHandler(_installed.router)
        _installed.router = None
        if _installed.saved is not None:
            logger.propagate, level = _installed.saved
            logger.setLevel(level)
            _installed.saved = None
