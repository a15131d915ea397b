"""``aicore_saves_pull`` through the real C ABI: a runtime created with sync pulls the
cloud save another machine uploaded (the real gateway process) and loads it with
``aicore_load``; without sync the call is ``AICORE_UNAVAILABLE``, and a slot the cloud
does not hold is ``AICORE_NOT_FOUND``."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest
from cloud_game import game_keys, online, play_until, scripts, sha256_of, start, uploaded
from gw_process import Keys, make_keys, running_gateway
from native_runtime import create_runtime

from engine_bridge.native import abi


@pytest.fixture
def gateway_keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


def _pull(lib: ctypes.CDLL, rt: ctypes.c_void_p, slot: bytes | None) -> tuple[int, abi.SaveInfo]:
    info = abi.SaveInfo(struct_size=ctypes.sizeof(abi.SaveInfo))
    return lib.aicore_saves_pull(rt, slot, ctypes.byref(info)), info


def test_a_runtime_pulls_the_cloud_save_through_the_c_abi_and_loads_it(
    gateway_keys: Keys, tmp_path: Path
) -> None:
    keys_dir = game_keys(gateway_keys, tmp_path / "game-keys")
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        uploader = start(tmp_path / "pc", scripts(tmp_path / "scripts"), gateway.endpoint, keys_dir)
        try:
            uploader.spawn(0, "counter")
            play_until(uploader, lambda: online(uploader), "the stream online")
            uploader.save("hero", label="from the desk")
            play_until(uploader, uploaded(uploader, 1), "the save uploaded")
        finally:
            uploader.close()

        lib = abi.load()
        config = abi.default_config(lib)
        config.save_dir = str(tmp_path / "engine").encode()
        config.sync_endpoint = gateway.endpoint.encode()
        config.sync_keys_dir = str(keys_dir).encode()
        rt = create_runtime(lib, config)
        try:
            result, info = _pull(lib, rt, b"hero")
            assert result == abi.Result.OK, lib.aicore_runtime_last_error(rt)
            assert (info.slot, info.label, info.previous) == (b"hero", b"from the desk", 0)
            assert info.saved_at_unix > 0
            pulled = tmp_path / "engine" / "default" / "slots" / "hero.db"
            assert sha256_of(pulled) == sha256_of(tmp_path / "pc" / "default" / "slots" / "hero.db")
            assert lib.aicore_load(rt, info.slot) == abi.Result.OK
            # NULL: the newest save of any slot, the same one.
            result, info = _pull(lib, rt, None)
            assert (result, info.slot) == (abi.Result.OK, b"hero")
            result, _ = _pull(lib, rt, b"never_saved")
            assert result == abi.Result.NOT_FOUND
            assert b"no cloud save" in lib.aicore_runtime_last_error(rt)
        finally:
            lib.aicore_runtime_destroy(rt)


def test_without_sync_a_pull_is_unavailable(tmp_path: Path) -> None:
    lib = abi.load()
    config = abi.default_config(lib)
    config.save_dir = str(tmp_path / "engine").encode()
    rt = create_runtime(lib, config)
    try:
        result, _ = _pull(lib, rt, b"hero")
        assert result == abi.Result.UNAVAILABLE
        assert lib.aicore_runtime_last_error(rt).startswith(b"aicore_saves_pull (slot 'hero')")
        assert b"unavailable" in lib.aicore_result_string(abi.Result.UNAVAILABLE)
        small = abi.SaveInfo(struct_size=4)
        assert (
            lib.aicore_saves_pull(rt, b"hero", ctypes.byref(small)) == abi.Result.INVALID_ARGUMENT
        )
        assert lib.aicore_saves_pull(rt, b"hero", None) == abi.Result.INVALID_ARGUMENT
        result, _ = _pull(lib, rt, b"../hero")
        assert result == abi.Result.INVALID_ARGUMENT  # the store's rule, before the network
    finally:
        lib.aicore_runtime_destroy(rt)
