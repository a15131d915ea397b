"""The command line of the real ``aicore-host`` playing the repository's world, which the
probes (instruction counts, the soak) run with options of their own appended."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["host_world_command"]


def host_world_command(
    repo: Path, *, npcs: int, frames: int, kinds: Sequence[str], save: Path | str
) -> list[str]:
    """``aicore-host`` with ``npcs`` NPCs of ``kinds`` for ``frames`` frames, this Python
    and its environment, the repository's content and scripts, saving into ``save``."""
    from engine_bridge.native.library import host_executable

    return [
        str(host_executable()),
        "--npcs",
        str(npcs),
        "--frames",
        str(frames),
        "--kinds",
        ",".join(kinds),
        "--python-home",
        sys.base_prefix,
        "--venv",
        sys.prefix,
        "--content",
        str(repo / "content"),
        "--scripts",
        str(repo / "npc_scripts"),
        "--save",
        str(save),
    ]
