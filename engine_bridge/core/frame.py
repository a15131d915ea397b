"""The game's frame rate, written once for the Python side.

The engine drives the runtime at a fixed step; ``aicore-host`` steps at the same rate
(``cpp/host``). Decision rates are counted against it (an NPC deciding ``r`` times a second
ticks every ``FRAME_RATE / r`` frames), and the sandbox and tools step by it.
"""

from __future__ import annotations

__all__ = ["FRAME_RATE", "FRAME_SECONDS"]

FRAME_RATE = 60.0  # frames per second
FRAME_SECONDS = 1.0 / FRAME_RATE  # one frame's dt
