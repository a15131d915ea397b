"""A pull asked of the sync client's transfer thread by another thread (the game's, for
``aicore_saves_pull``), which waits for it at most a timeout. Giving up and installing
are decided under one lock: a pull the caller gave up on never writes a slot afterwards,
and one already writing is waited for (the store's writer finishes it)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from engine_bridge.sync.cloud_pull import PullResult
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal

__all__ = ["PullRequest"]


class PullRequest:
    """One pull: the slot asked for (None: the newest of any slot) and its outcome."""

    def __init__(self, slot: str | None) -> None:
        self.slot = slot
        self._future: Future[PullResult] = Future()
        self._lock = threading.Lock()
        self._abandoned = False
        self._installing = False

    @property
    def abandoned(self) -> bool:
        with self._lock:
            return self._abandoned

    def begin_install(self) -> bool:
        """The transfer thread is about to write the slot: False if the caller gave up
        (then nothing is written)."""
        with self._lock:
            if self._abandoned:
                return False
            self._installing = True
            return True

    def succeed(self, result: PullResult) -> None:
        self._future.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self._future.done():
            self._future.set_exception(error)

    def wait(self, timeout_s: float, why_late: str) -> PullResult:
        """The pull's result, waiting at most ``timeout_s`` unless it is already writing
        the slot (then until the write is done).

        Raises:
            CloudSaveError: the pull failed (its code), or ``unavailable`` after
                ``timeout_s`` (``why_late`` says what the client was doing).
            StoreError: the slot could not be written (a disk refusal).
        """
        try:
            return self._future.result(timeout_s)
        except FutureTimeout:
            with self._lock:
                if not self._installing:
                    self._abandoned = True
            if self.abandoned:
                reason = f"no cloud save within {timeout_s:g} s: {why_late}"
                raise CloudSaveError(CloudSaveRefusal.UNAVAILABLE, reason, self.slot) from None
            return self._future.result()
