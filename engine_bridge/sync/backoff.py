"""How long the sync client waits before its next try: capped exponential backoff with
jitter, a pure function of the attempt and a random source (so its schedule is tested
with a seeded one).

Attempt ``n`` (1 the first retry) waits a random time in ``[ceiling / 2, ceiling]`` with
``ceiling = min(cap, initial * 2 ** (n - 1))`` ("equal jitter"): the wait doubles while
the gateway stays away, never exceeds the cap, and never drops to nothing, so a gateway
coming back after an outage is not met by every game of a region reconnecting in the
same millisecond, nor hammered by one game in a loop.
"""

from __future__ import annotations

import random

__all__ = ["backoff_delay", "retry_after_delay"]

_MAX_DOUBLINGS = 62  # 2 ** 62 already exceeds any cap; beyond it a float would overflow


def backoff_delay(attempt: int, rng: random.Random, *, initial_s: float, cap_s: float) -> float:
    """Seconds to wait before try ``attempt`` (1 the first retry; 0 or less: no wait)."""
    if attempt < 1:
        return 0.0
    ceiling = min(cap_s, initial_s * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))
    return ceiling / 2 + rng.random() * ceiling / 2


def retry_after_delay(retry_after_ms: int, rng: random.Random, *, max_s: float) -> float:
    """Seconds to wait when the gateway said ``retry_after_ms`` (``rate_limited``,
    ``unavailable``): at least what it asked, plus up to a tenth more, so the games it
    told the same do not all come back at once; never more than ``max_s`` (a bound on a
    gateway's mistake, not on its wish: far above what a gateway asks)."""
    asked = max(0, retry_after_ms) / 1000.0
    return min(max_s, asked * (1.0 + rng.random() / 10))
