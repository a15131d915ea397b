"""A runtime created through the C ABI (libaicore), the way an engine creates one."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from engine_bridge.native import abi


def config_with_scripts(lib: ctypes.CDLL, script_dir: Path, **fields: Any) -> Any:
    """The default ``aicore_runtime_config`` with ``script_dir`` as its one script folder
    and ``fields`` (``frame_budget_ms=...``) set. The folder array lives as long as the
    config (ctypes keeps it in the structure's own references)."""
    config = abi.default_config(lib)
    config.script_dirs = (ctypes.c_char_p * 1)(str(script_dir).encode())
    config.script_dir_count = 1
    for name, value in fields.items():
        setattr(config, name, value)
    return config


def create_runtime(lib: ctypes.CDLL, config: Any) -> ctypes.c_void_p:
    """``aicore_runtime_create`` with ``config``; a failure fails the test with its reason."""
    rt = ctypes.c_void_p()
    created = lib.aicore_runtime_create(ctypes.byref(config), ctypes.byref(rt))
    assert created == 0, lib.aicore_last_create_error()
    return rt
