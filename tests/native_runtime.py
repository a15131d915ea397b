"""A runtime created through the C ABI (libaicore), the way an engine creates one."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def one_npc_runtime(
    script_dir: Path, script: str, kind: str, content_root: Path
) -> Iterator[tuple[ctypes.CDLL, ctypes.c_void_p]]:
    """A runtime with ``script`` as its one script file, the content of ``content_root``
    and one NPC of ``kind`` spawned, as (library, runtime); destroyed on leaving."""
    (script_dir / f"{kind}.py").write_text(script)
    lib = abi.load()
    config = config_with_scripts(lib, script_dir, frame_budget_ms=50.0, handler_budget_ms=20.0)
    config.content_root = str(content_root).encode()
    rt = create_runtime(lib, config)
    try:
        slot = ctypes.c_uint32()
        assert lib.aicore_npc_spawn(rt, kind.encode(), ctypes.byref(slot)) == 0
        yield lib, rt
    finally:
        lib.aicore_runtime_destroy(rt)
