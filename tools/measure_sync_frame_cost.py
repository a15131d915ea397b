"""Measure the game thread's cost of cloud sync per frame: ``SyncClient.end_of_frame``
(take what the gateway acknowledged, delete it from the outbox in the frame's batch) over
3000 frames of 10 durable events each, with the test gateway peer (tests/sync) online on
loopback, then with it away. Prints the time measured around the call, and the client's
own ``frame_cost`` metrics.

Run from the repository root: ``.venv/bin/python tools/measure_sync_frame_cost.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from sync_game import FAST, Game  # noqa: E402 (the test helpers, from their folder)
from sync_test_gateway import Keys, TestGateway  # noqa: E402

from engine_bridge.sync.config import SyncConfig  # noqa: E402

FRAMES = 3000
EVENTS_PER_FRAME = 10


def measure(online: bool) -> str:
    """One run; its figures as a line."""
    with tempfile.TemporaryDirectory() as tmp:
        keys = Keys.make(Path(tmp) / "keys")
        gateway = TestGateway(keys).start()
        if not online:
            gateway.stop()  # its port stays known: nothing listens there
        config = SyncConfig(gateway.endpoint, keys_dir=keys.game_dir, tuning=FAST)
        game = Game(Path(tmp) / "saves", config)
        try:
            for _ in range(FRAMES):
                game.frame(events=EVENTS_PER_FRAME)
                time.sleep(0.001)  # the rest of a frame's work
            parts = sorted(game.sync_part_s)
            metrics = game.client.metrics
        finally:
            game.close()
            gateway.stop()
    n = len(parts)
    return (
        f"{'online' if online else 'offline'}: {n} frames, {metrics.acked_through} acknowledged, "
        f"{metrics.state}; around the call: mean {statistics.mean(parts) * 1e6:.2f} us, "
        f"p50 {parts[n // 2] * 1e6:.2f} us, p99 {parts[int(n * 0.99)] * 1e6:.2f} us, "
        f"max {parts[-1] * 1e6:.1f} us; its own metrics: mean "
        f"{metrics.frame_cost_total_s / metrics.frames * 1e6:.2f} us, "
        f"max {metrics.frame_cost_max_s * 1e6:.1f} us"
    )


if __name__ == "__main__":
    print(measure(online=True))
    print(measure(online=False))
