"""Run NPC kinds without the game: for a designer's quick check, and for tests.

::

    from engine_bridge.sandbox import Sandbox

    sandbox = Sandbox(Gravedigger)
    digger = sandbox.spawn("gravedigger", at=(0.0, 3.0, 0.0))
    sandbox.player_at(0.0, 0.0, 0.0, seen_by=[digger])
    commands = sandbox.step(30)  # half a second of frames
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.sync_link import SyncConfig
from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.protocol.messages import decode, encode
from engine_bridge.scripting.memory_watch import MemoryLimits

__all__ = ["Sandbox", "default_content_root"]


def default_content_root() -> Path:
    """The shipped content: the repository's ``content/`` (or ``$AICORE_CONTENT``)."""
    from vocal.content import content_root

    return content_root()


class Sandbox:
    """A world, a runtime and a frame clock, with the engine's part played by you."""

    def __init__(
        self,
        *kinds: type[Npc],
        script_dirs: Iterable[str | Path] = (),
        capacity: int = 64,
        content_root: str | Path | None = None,
        content_roots: Iterable[str | Path] = (),
        save_dir: str | Path | None = None,
        watch: bool = False,
        memory_limits: MemoryLimits | None = None,
        sync: SyncConfig | None = None,
    ) -> None:
        """``content_root`` is the game's content (default: the shipped content);
        ``content_roots`` are layered over it the way ``aicore host --content A --content
        B`` layers them (a file of the same path replaces the earlier one, other files are
        added; docs/designers.md). Without ``save_dir`` the lore index lives in memory.
        ``memory_limits`` are what each script may keep (docs/designers.md). ``sync``
        sends the profile's outbox to a cloud gateway (docs/sync.md; needs ``save_dir``)."""
        self.world = World.allocate(capacity)
        roots = list(content_roots)
        if roots and content_root is None:
            roots.insert(0, default_content_root())
        self.runtime = Runtime(
            self.world,
            script_dirs=script_dirs,
            content_root=content_root,
            content_roots=roots,
            save_dir=save_dir,
            watch=watch,
            memory_limits=memory_limits,
            sync=sync,
        )
        for cls in kinds:
            self.runtime.scheduler.register(cls)
        self._events: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []

    def spawn(self, kind: str, at: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> int:
        slot = int((self.world.alive == 0).nonzero()[0][0])
        self.world.position[slot] = at
        self.runtime.spawn(slot, kind)
        return slot

    def npc(self, slot: int) -> Npc:
        return self.runtime.scheduler.npcs[slot]

    def player_at(self, x: float, y: float, z: float = 0.0, *, seen_by: Iterable[int] = ()) -> None:
        self.world.player_position[:] = (x, y, z)
        self.world.perception[:] &= np.uint32(~PERCEIVES_PLAYER & 0xFFFFFFFF)
        for slot in seen_by:
            self.world.perception[slot] |= PERCEIVES_PLAYER

    def send(self, type: str, **fields: Any) -> None:
        """Queue an engine event for the next frame (docs/protocol.md)."""
        self._events.append({"v": 1, "type": type, **fields})

    def step(self, frames: int = 1, dt: float = FRAME_SECONDS) -> list[dict[str, Any]]:
        """Run frames; returns the commands they produced (also kept in ``commands``)."""
        out: list[dict[str, Any]] = []
        for _ in range(frames):
            batch = encode(self._events) if self._events else b""
            self._events = []
            commands = self.runtime.tick(dt, batch)[0]
            out.extend(decode(commands))
        self.commands.extend(out)
        return out

    def close(self) -> None:
        self.runtime.close()
