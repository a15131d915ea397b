"""Per-key rate limiting: a token bucket per key name, refilled at ``rate`` frames per
second up to ``burst``.

A message of ``n`` frames passes when the bucket holds ``min(n, burst)`` tokens, and
takes ``n`` (the bucket may go below zero): a batch larger than the burst still passes
when the bucket is full, and the next ones wait for it to pay back. Over time no key
gets more than ``rate`` frames per second through.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "TokenBucket"]


@dataclass(slots=True)
class TokenBucket:
    """One key's bucket: ``tokens`` as of ``updated`` (monotonic seconds)."""

    tokens: float
    updated: float

    def take(self, count: int, rate: float, burst: float, now: float) -> int:
        """Take ``count`` tokens: 0 if they were taken, else the milliseconds until
        enough are there (nothing taken)."""
        self.tokens = min(burst, self.tokens + (now - self.updated) * rate)
        self.updated = now
        needed = min(float(count), burst)
        if self.tokens >= needed:
            self.tokens -= count
            return 0
        return max(1, math.ceil((needed - self.tokens) / rate * 1000))


class RateLimiter:
    """Token buckets by key name. ``rate`` None: no limit."""

    def __init__(
        self,
        rate: float | None,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate must be positive, not {rate}")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else (rate or 1.0))
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, count: int) -> int:
        """0 if ``key`` may send ``count`` frames now (they are taken), else the
        milliseconds to wait before retrying."""
        if self.rate is None:
            return 0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.burst, now)
        return bucket.take(count, self.rate, self.burst, now)

    def forget(self, key: str) -> None:
        """Drop ``key``'s bucket (it was kicked or revoked)."""
        self._buckets.pop(key, None)
