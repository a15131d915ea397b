"""Sync through the C ABI's config (``sync_endpoint``, ``sync_keys_dir``): a runtime
created with them sends its durable events to the gateway (given one endpoint, or a
list of them); an endpoint that is not one, or one without keys, fails create as an
invalid argument naming the field."""

from __future__ import annotations

import ctypes
import socket
from pathlib import Path

import msgpack
import pytest
from native_runtime import create_runtime
from sync_test_gateway import Keys, TestGateway

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.native import abi


def _nobody() -> str:
    """An endpoint where nothing listens (a port bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("several", [False, True], ids=["one gateway", "a list of gateways"])
def test_a_runtime_created_with_sync_sends_its_durable_events(
    gateway: TestGateway, keys: Keys, tmp_path: Path, several: bool
) -> None:
    lib = abi.load()
    config = abi.default_config(lib)
    config.save_dir = str(tmp_path / "save").encode()
    # A list: whichever it tries first, the events reach the one gateway that answers.
    endpoint = f"{_nobody()},{gateway.endpoint}" if several else gateway.endpoint
    config.sync_endpoint = endpoint.encode()
    config.sync_keys_dir = str(keys.game_dir).encode()
    rt = create_runtime(lib, config)
    try:
        assert lib.aicore_runtime_content_problem_count(rt) == 0
        data = msgpack.packb([{"v": 1, "type": "custom", "name": "crossed_the_gate"}])
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        assert lib.aicore_push_events(rt, buffer, len(data)) == 0
        assert lib.aicore_tick(rt, ctypes.c_double(FRAME_SECONDS)) == 0
        gateway.wait_for(lambda: any(gateway.stored.values()))
    finally:
        lib.aicore_runtime_destroy(rt)
    with gateway.lock:
        (stream,) = gateway.stored.values()
    assert [(kind, body["name"]) for _, kind, body in stream] == [
        ("event.custom", "crossed_the_gate")
    ]


@pytest.mark.parametrize(
    ("endpoint", "keys_dir"),
    [
        (b"gateway:7700", b"keys"),
        (b"tcp://127.0.0.1:7700", None),
        (b"tcp://127.0.0.1:7700,gateway:7700", b"keys"),  # each of several must be one
    ],
)
def test_an_endpoint_that_is_not_one_or_has_no_keys_fails_create(
    tmp_path: Path, endpoint: bytes, keys_dir: bytes | None
) -> None:
    lib = abi.load()
    config = abi.default_config(lib)
    config.save_dir = str(tmp_path / "save").encode()
    config.sync_endpoint = endpoint
    config.sync_keys_dir = keys_dir
    rt = ctypes.c_void_p()
    created = lib.aicore_runtime_create(ctypes.byref(config), ctypes.byref(rt))
    assert created == abi.Result.INVALID_ARGUMENT
    assert not rt.value
    reason = lib.aicore_last_create_error().decode()
    assert reason.startswith("sync_endpoint '")
    assert "transport://address, with sync_keys_dir set" in reason
