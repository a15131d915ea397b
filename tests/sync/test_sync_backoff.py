"""The waits between the sync client's tries, as pure functions of the attempt and a
seeded random source: they grow, they are capped, and the jitter stays in its band."""

from __future__ import annotations

import random

from engine_bridge.sync.backoff import backoff_delay, retry_after_delay
from engine_bridge.sync.config import SyncTuning

TUNING = SyncTuning()


def _schedule(seed: int, attempts: int) -> list[float]:
    rng = random.Random(seed)
    return [
        backoff_delay(n, rng, initial_s=TUNING.backoff_initial_s, cap_s=TUNING.backoff_cap_s)
        for n in range(1, attempts + 1)
    ]


def test_the_backoff_doubles_with_jitter_and_is_capped() -> None:
    initial, cap = TUNING.backoff_initial_s, TUNING.backoff_cap_s
    delays = _schedule(seed=1234, attempts=14)
    ceilings = [min(cap, initial * 2 ** (n - 1)) for n in range(1, 15)]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling  # equal jitter: never nothing, never over
    # Each band lies wholly above the one two tries before, until the cap: the waits grow.
    for earlier, later, ceiling in zip(delays, delays[2:], ceilings[2:], strict=False):
        if ceiling < cap:
            assert later > earlier
    assert ceilings[-1] == cap
    assert max(delays) <= cap
    assert delays[-4:] != [cap] * 4  # jittered, not pinned to the cap
    assert delays == _schedule(seed=1234, attempts=14)  # a pure function of its inputs
    assert delays != _schedule(seed=99, attempts=14)


def test_the_backoff_has_no_wait_before_the_first_try_and_no_overflow_later() -> None:
    rng = random.Random(5)
    assert backoff_delay(0, rng, initial_s=0.5, cap_s=30.0) == 0.0
    far = backoff_delay(10**6, rng, initial_s=0.5, cap_s=30.0)
    assert 15.0 <= far <= 30.0


def test_a_retry_after_is_obeyed_with_a_little_more_and_bounded() -> None:
    rng = random.Random(3)
    waits = [retry_after_delay(2000, rng, max_s=300.0) for _ in range(50)]
    assert all(2.0 <= w <= 2.2 for w in waits)
    assert len(set(waits)) > 1  # spread: the games told the same do not come back together
    assert retry_after_delay(3_600_000, rng, max_s=300.0) == 300.0
    assert retry_after_delay(-5, rng, max_s=300.0) == 0.0
