"""A game loop's worth of frames for the sync client's tests: a real store and its sync
client, run frame by frame as the runtime runs them."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from engine_bridge.store import Store, StoreConfig
from engine_bridge.sync.client import SyncClient
from engine_bridge.sync.config import SyncConfig, SyncTuning

# Small times so that timeouts, retries and reconnects happen within a test; no test
# asserts how long anything took, only what happened.
FAST = SyncTuning(
    heartbeat_s=0.2,
    missed_heartbeats=3,
    backoff_initial_s=0.02,
    backoff_cap_s=0.2,
    poll_s=0.005,
    batch_frames=16,
    window=3,
)
STORE = StoreConfig(retry_interval_s=0.01)


class Game:
    """A profile's store and its sync client, run frame by frame as the runtime does:
    events appended, the sync's part of the frame (timed), the store's hand-over."""

    def __init__(self, save_root: Path, config: SyncConfig, seed: int = 7) -> None:
        self.store = Store.open(save_root, "player", STORE)
        rng = random.Random(seed)  # the backoff's jitter, the first of several gateways
        self.client = SyncClient(config, self.store, agent="aicore/test", rng=rng)
        self.client.start()
        self.sync_part_s: list[float] = []
        self.appended: list[dict[str, int]] = []

    def frame(self, events: int = 0) -> None:
        for _ in range(events):
            body = {"n": len(self.appended)}
            self.store.outbox.append("event.custom", body)
            self.appended.append(body)
        began = time.perf_counter()
        self.client.end_of_frame()
        self.sync_part_s.append(time.perf_counter() - began)
        self.store.flush()

    def run_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> int:
        """Run frames (no events) until ``condition()``; returns how many ran."""
        deadline = time.monotonic() + timeout
        frames = 0
        while not condition():
            assert time.monotonic() < deadline, f"not within {timeout} s: {condition}"
            self.frame()
            frames += 1
            time.sleep(0.002)  # a frame's worth of the game's other work
        return frames

    def pending(self) -> int:
        self.store.wait_committed(timeout=30)
        return len(self.store.outbox.pending(0, 1_000_000))

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self.store.close()
