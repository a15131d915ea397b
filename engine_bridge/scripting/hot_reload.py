"""Watches the script folders on its own thread; the runtime applies changes between frames.

The watcher only notices and queues paths (watchfiles, inotify on Linux); loading the new
code happens on the game thread at the start of the next tick, so a frame never sees half a
reload.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

__all__ = ["ScriptWatcher"]


class ScriptWatcher:
    def __init__(
        self, directories: Iterable[Path], *, on_thread_start: Callable[[], None] | None = None
    ) -> None:
        """``on_thread_start`` runs first on the watcher's thread (the runtime routes the
        thread's log records to its own sink there: engine_bridge.core.log_routing)."""
        self.directories = [Path(d) for d in directories if Path(d).is_dir()]
        self._on_thread_start = on_thread_start
        self.changes: queue.SimpleQueue[tuple[Path, float]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.directories or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="aicore-script-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def _run(self) -> None:
        if self._on_thread_start is not None:
            self._on_thread_start()
        # A short debounce: an editor's save is one or two writes; 100 ms save-to-running is
        # the target, so waiting the library's default 1.6 s would miss it by far.
        for batch in watchfiles.watch(
            *self.directories, debounce=15, step=5, stop_event=self._stop, raise_interrupt=False
        ):
            seen = time.monotonic()
            for change, path in batch:
                p = Path(path)
                if p.suffix == ".py" and change != watchfiles.Change.deleted:
                    self.changes.put((p, seen))

    def pending(self) -> list[tuple[Path, float]]:
        """Changed scripts since the last call (each once), with when they were noticed."""
        out: dict[Path, float] = {}
        while True:
            try:
                path, seen = self.changes.get_nowait()
            except queue.Empty:
                return list(out.items())
            out.setdefault(path, seen)
