"""Run NPC kinds without the game: for a designer's quick check, and for tests.

::

    from engine_bridge.sandbox import Sandbox

    sandbox = Sandbox(Gravedigger)
    digger = sandbox.spawn("gravedigger", at=(0.0, 3.0, 0.0))
    sandbox.player_at(0.0, 0.0, 0.0, seen_by=[digger])
    commands = sandbox.step(30)  # half a second of frames
    for turn in sandbox.decisions(digger):  # what its model advised, and what it did
        print(turn.frame, turn.decision, [c["type"] for c in turn.commands])
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine_bridge.api import Decision, Npc
from engine_bridge.core.decisions import models_of
from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.sync_link import SyncConfig
from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.protocol.messages import decode, encode
from engine_bridge.scripting.memory_watch import MemoryLimits

__all__ = ["LOGGED_FRAMES", "DecidedTurn", "Sandbox", "default_content_root"]

LOGGED_FRAMES = 3600
"""Frames of model decisions and commands the sandbox keeps for :meth:`Sandbox.decisions`
(a minute at 60 frames a second): the latest, the older ones forgotten."""


# One model's answers in a frame: (model, slots, labels, probabilities), copied.
_Answers = tuple[str, np.ndarray, np.ndarray | None, np.ndarray | None]


@dataclass(frozen=True)
class DecidedTurn:
    """One turn of an NPC whose kind asks a model: the ``frame``, the model's
    ``decision`` (None when the model is off) and the ``commands`` the NPC gave in that
    frame (what its script did with the advice)."""

    frame: int
    decision: Decision | None
    commands: tuple[dict[str, Any], ...]


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
        # What the models advised (copied: their buffers are reused) and every frame's
        # commands, for decisions().
        self._decided: deque[tuple[int, list[_Answers]]] = deque(maxlen=LOGGED_FRAMES)
        self._frame_commands: deque[tuple[int, list[dict[str, Any]]]] = deque(maxlen=LOGGED_FRAMES)
        self.runtime.decisions.listener = self._log_decisions

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
            frame = self.runtime.scheduler.frame
            commands = decode(self.runtime.tick(dt, batch)[0])
            if commands:
                self._frame_commands.append((frame, commands))
            out.extend(commands)
        self.commands.extend(out)
        return out

    def _log_decisions(
        self,
        frame: int,
        model: str,
        slots: np.ndarray,
        labels: np.ndarray | None,
        probabilities: np.ndarray | None,
    ) -> None:
        answers = (
            model,
            slots.copy(),
            None if labels is None else labels.copy(),
            None if probabilities is None else probabilities.copy(),
        )
        if self._decided and self._decided[-1][0] == frame:
            self._decided[-1][1].append(answers)
        else:
            self._decided.append((frame, [answers]))

    def decisions(self, slot: int, model: str | None = None) -> list[DecidedTurn]:
        """The turns of the NPC in ``slot`` in the frames the sandbox still keeps
        (:data:`LOGGED_FRAMES`), oldest first: what ``model`` (default: its kind's first,
        the one ``self.decision`` reads) advised, and the commands the NPC gave in that
        frame. Empty for an NPC whose kind asks no model."""
        if model is None:
            models = models_of(type(self.npc(slot)))
            if not models:
                return []
            model = models[0]
        board = self.runtime.decisions.board
        commands = dict(self._frame_commands)
        turns = []
        for frame, answers in self._decided:
            for asked, slots, labels, probabilities in answers:
                at = np.flatnonzero(slots == slot) if asked == model else ()
                if len(at) == 0:
                    continue
                i = int(at[0])
                decision = (
                    None
                    if labels is None or probabilities is None
                    else board.decision(model, int(labels[i]), probabilities[i])
                )
                did = tuple(c for c in commands.get(frame, ()) if c.get("npc") == slot)
                turns.append(DecidedTurn(frame, decision, did))
        return turns

    def close(self) -> None:
        self.runtime.close()
