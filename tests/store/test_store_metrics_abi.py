"""What aicore_metrics says of the store, through the real C ABI: durable messages that
could not be journalled are counted (never silently lost), and with a store they are not."""

from __future__ import annotations

import ctypes
from pathlib import Path

import msgpack
from native_runtime import create_runtime

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi

DURABLE = {"v": 1, "type": "custom", "name": "body_delivered"}  # schema.toml: durable
PLAIN = {"v": 1, "type": "player_seen", "npc": 0}


def _metrics(lib: ctypes.CDLL, rt: ctypes.c_void_p) -> abi.Metrics:
    out = abi.Metrics(struct_size=ctypes.sizeof(abi.Metrics))
    assert lib.aicore_metrics_get(rt, ctypes.byref(out)) == 0
    return out


def _played(save_dir: bytes | None) -> abi.Metrics:
    """A runtime created with ``save_dir`` through the C ABI, after one frame of
    ``_play``: its metrics."""
    lib = abi.load()
    config = abi.default_config(lib)
    config.save_dir = save_dir
    rt = create_runtime(lib, config)
    try:
        _play(lib, rt)
        return _metrics(lib, rt)
    finally:
        lib.aicore_runtime_destroy(rt)


def _play(lib: ctypes.CDLL, rt: ctypes.c_void_p) -> None:
    data = msgpack.packb([DURABLE, PLAIN, DURABLE])
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    assert lib.aicore_push_events(rt, buffer, len(data)) == 0
    assert lib.aicore_tick(rt, ctypes.c_double(FRAME_SECONDS)) == 0


def test_without_a_store_durable_messages_are_counted_as_not_journalled() -> None:
    metrics = _played(None)
    assert metrics.unjournalled_messages == 2
    assert (metrics.store_held_frames, metrics.store_faults) == (0, 0)


def test_with_a_store_durable_messages_are_journalled(tmp_path: Path) -> None:
    metrics = _played(str(tmp_path / "save").encode())
    assert metrics.unjournalled_messages == 0
    assert (metrics.store_held_frames, metrics.store_faults) == (0, 0)
    # The journal outlives the runtime: both durable events wait in the outbox.
    from engine_bridge.store import Store

    with Store.open(tmp_path / "save", "default") as store:
        assert [e.kind for e in store.outbox.pending()] == ["event.custom", "event.custom"]
