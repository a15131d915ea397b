"""The one thing the sync client's thread hands the game thread: the highest frame the
gateway holds. The client thread publishes; the game thread takes it once a frame and
deletes those events from the outbox (``Outbox.acknowledge`` adds to the frame's write
batch, so only the game thread may call it). Neither side ever waits for the other
longer than a lock held for an integer's comparison."""

from __future__ import annotations

import threading

__all__ = ["AckedSlot"]


class AckedSlot:
    """A thread-safe, never-decreasing ``through``."""

    __slots__ = ("_lock", "_taken", "_through")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._through = 0
        self._taken = 0

    def publish(self, through: int) -> None:
        """The gateway holds every frame up to ``through`` (client thread). A lower value
        than before is ignored: what was deleted from the outbox cannot come back."""
        with self._lock:
            self._through = max(self._through, through)

    def take(self) -> int | None:
        """The ``through`` published since the last take, or None (game thread)."""
        if self._through <= self._taken:  # most frames: nothing new, and no lock taken
            return None  # (reading an int is atomic; a value missed now is seen next frame)
        with self._lock:
            if self._through <= self._taken:
                return None
            self._taken = self._through
            return self._taken

    @property
    def taken(self) -> int:
        """The highest ``through`` the game thread has taken."""
        return self._taken
