"""The one module libaicore imports: everything the C++ bridge takes from Python, under the
names listed in ``cpp/bridge/src/python_names.h``. ``tests/test_embedding_names.py`` reads
that header and fails on any name missing here (or on the Runtime), so a rename on the
Python side that the C++ does not mirror is caught by a test, not by a game at startup."""

from __future__ import annotations

import os

from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.script_reload import reload_changed_scripts
from engine_bridge.core.story_flag_reading import StoryFlagNotFoundError, read_story_flag
from engine_bridge.core.sync_link import CloudSaveError, SyncConfig
from engine_bridge.core.world import World
from engine_bridge.store import StoreError

__all__ = [
    "PACKAGE_DIR",
    "CloudSaveError",
    "Runtime",
    "ScriptTimeoutError",
    "StoreError",
    "StoryFlagNotFoundError",
    "SyncConfig",
    "World",
    "listen_for_debugger",
    "read_story_flag",
    "reload_changed_scripts",
]

PACKAGE_DIR: str = os.path.dirname(os.path.dirname(__file__))
"""engine_bridge's folder. The watchdog's last resort (``cpp/bridge/src/escalation.h``)
spares the frames of files under it: the runtime's own code, not a designer's script."""


def listen_for_debugger(port: int) -> None:
    """Wait for a debugpy client on 127.0.0.1:``port``. Tooling is imported only here, when
    an engine asks for a debug port: a shipped game without tooling never reaches it."""
    from engine_bridge.tooling.debugging import listen

    listen(port)
