"""The gateway's token buckets, on a clock the test moves."""

from __future__ import annotations

import pytest
from aicore_gateway.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# Rates and steps are exact in binary floating point, so the expected waits are too.


def test_a_burst_passes_then_the_rate_holds() -> None:
    clock = Clock()
    limiter = RateLimiter(4.0, burst=20.0, clock=clock)
    assert limiter.take("alice", 20) == 0
    assert limiter.take("alice", 1) == 250  # one token comes back in 0.25 s
    clock.now += 0.25
    assert limiter.take("alice", 1) == 0
    assert limiter.take("alice", 5) == 1250
    clock.now += 100.0  # refilled, never beyond the burst
    assert limiter.take("alice", 20) == 0
    assert limiter.take("alice", 1) > 0


def test_a_batch_larger_than_the_burst_passes_when_full_and_is_paid_back() -> None:
    clock = Clock()
    limiter = RateLimiter(4.0, burst=5.0, clock=clock)
    assert limiter.take("alice", 15) == 0  # the bucket is now 10 frames in debt
    assert limiter.take("alice", 1) == 2750
    clock.now += 3.0
    assert limiter.take("alice", 2) == 0


def test_each_key_has_its_own_bucket_and_forgetting_refills_it() -> None:
    limiter = RateLimiter(1.0, burst=2.0, clock=Clock())
    assert limiter.take("alice", 2) == 0
    assert limiter.take("alice", 1) > 0
    assert limiter.take("bob", 2) == 0
    limiter.forget("alice")
    assert limiter.take("alice", 2) == 0


def test_no_rate_no_limit_and_a_rate_must_be_positive() -> None:
    limiter = RateLimiter(None)
    assert all(limiter.take("alice", 4096) == 0 for _ in range(100))
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0.0)
