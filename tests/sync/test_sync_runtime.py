"""The sync client wired into the runtime: ``Runtime(save_dir=..., sync=...)`` sends the
frame's durable events to the gateway and deletes them from the outbox once held; sync
that cannot start (no store, missing keys, no pyzmq) is one problem of system ``"sync"``
and the game plays on. Real runtimes, the test gateway peer on loopback."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from sync_game import FAST
from sync_test_gateway import Keys, TestGateway

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.store import Store
from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.metrics import SyncState


def _runtime(save_dir: Path | None, sync: SyncConfig) -> Runtime:
    return Runtime(World.allocate(4), save_dir=save_dir, watch=False, manage_gc=False, sync=sync)


@pytest.fixture
def runtimes() -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    try:
        yield made
    finally:
        for runtime in made:
            runtime.close()


def _custom(name: str) -> bytes:
    return msgpack.packb([{"v": 1, "type": "custom", "name": name}])


def test_the_runtime_sends_durable_events_and_the_outbox_empties(
    gateway: TestGateway, keys: Keys, tmp_path: Path, runtimes: list[Runtime]
) -> None:
    config = SyncConfig(gateway.endpoint, keys_dir=keys.game_dir, tuning=FAST)
    runtime = _runtime(tmp_path / "save", config)
    runtimes.append(runtime)
    assert runtime.problems() == []
    names = [f"milestone-{n}" for n in range(20)]
    for name in names:
        runtime.tick(FRAME_SECONDS, _custom(name))
    deadline = time.monotonic() + 30
    while (metrics := runtime.sync_metrics) is None or metrics.acknowledged_through < 20:
        assert time.monotonic() < deadline, metrics
        runtime.tick(FRAME_SECONDS, b"")
        time.sleep(0.002)

    assert metrics.state is SyncState.ONLINE
    assert metrics.frame_cost_max_s > 0
    with gateway.lock:
        (stream,) = gateway.stored.values()
    assert [(kind, body["name"]) for _, kind, body in stream] == [
        ("event.custom", name) for name in names
    ]
    runtime.close()
    with Store.open(tmp_path / "save", "default") as store:
        assert store.outbox.pending() == []  # acknowledged events left the outbox


def test_sync_without_a_save_folder_is_a_problem_and_the_game_plays_on(
    keys: Keys, runtimes: list[Runtime]
) -> None:
    runtime = _runtime(None, SyncConfig("tcp://127.0.0.1:9", keys_dir=keys.game_dir))
    runtimes.append(runtime)
    ((system, file, _, _, reason),) = runtime.problems()
    assert system == "sync"
    assert file is None
    assert "save folder" in reason
    assert runtime.sync_metrics is None
    runtime.tick(FRAME_SECONDS, _custom("still playing"))
    assert runtime.frame == 1


def test_missing_keys_are_a_problem_naming_the_file(
    keys: Keys, tmp_path: Path, runtimes: list[Runtime]
) -> None:
    (keys.game_dir / "gateway.key").unlink()
    runtime = _runtime(tmp_path / "save", SyncConfig("tcp://127.0.0.1:9", keys_dir=keys.game_dir))
    runtimes.append(runtime)
    ((system, file, _, _, reason),) = runtime.problems()
    assert system == "sync"
    assert file == str(keys.game_dir / "gateway.key")
    assert reason.startswith("no such file")
    runtime.tick(FRAME_SECONDS, _custom("kept for later"))
    store = runtime.persistence.store
    assert store is not None
    assert store.wait_committed(timeout=30)
    assert len(store.outbox.pending()) == 1  # the outbox keeps it for when sync works


def test_without_pyzmq_sync_is_a_problem_naming_the_extra(
    keys: Keys, tmp_path: Path, runtimes: list[Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "zmq", None)  # import zmq fails, as if not installed
    runtime = _runtime(tmp_path / "save", SyncConfig("tcp://127.0.0.1:9", keys_dir=keys.game_dir))
    runtimes.append(runtime)
    ((system, _, _, _, reason),) = runtime.problems()
    assert system == "sync"
    assert "pip install aicore[sync]" in reason
    runtime.tick(FRAME_SECONDS, _custom("offline"))
    assert runtime.frame == 1
