"""Attach a debugger (VS Code, PyCharm) to the scripts running inside the game.

``aicore host --debug PORT`` and ``aicore_runtime_config.debug_port`` call :func:`listen`:
debugpy then accepts a Debug Adapter Protocol client on 127.0.0.1:PORT, and breakpoints in
NPC scripts are hit on the game thread, inside the tick.
"""

from __future__ import annotations

__all__ = ["listen"]


def listen(port: int) -> None:
    """Accept a debugger on 127.0.0.1:``port`` (loopback only); returns at once."""
    import debugpy

    debugpy.listen(("127.0.0.1", int(port)))
