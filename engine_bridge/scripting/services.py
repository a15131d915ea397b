"""What an NPC is given to act through: :class:`NpcServices`, one typed object the
scheduler builds once and hands to every NPC at spawn (``npc._services``).

The designer API (api.py) reaches the game only through it, never through the scheduler:
a system that changes how it is provided (NPC memory in SQLite, a model registry) changes
what is put in here, not the NPCs. :meth:`Scheduler.replace_services` swaps one member for
every NPC, live and future.

Every member is read on the hot path (``self.position`` in an ``on_tick``), so each is a
frozen, slotted record: one attribute read more than reaching into the scheduler did,
nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from engine_bridge.core.decisions import DecisionBoard
from engine_bridge.core.timers import Timers
from engine_bridge.scripting.npc_memory import Memorable, NpcMemory

if TYPE_CHECKING:
    from engine_bridge.api import Npc, NpcInfo
    from engine_bridge.content.knowledge import KnowledgeBase
    from engine_bridge.content.story import StoryBook
    from engine_bridge.core.world import World

__all__ = ["GameClock", "Messaging", "NpcServices", "Voice", "WorldView"]

# (asking slot, radius, kind or kinds or None, limit or None) -> the NPCs near it
NearbyQuery: TypeAlias = (
    "Callable[[int, float, str | Iterable[str] | None, int | None], list[NpcInfo]]"
)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A view that follows ``array`` (the engine's memory) but cannot write it."""
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, slots=True)
class WorldView:
    """What an NPC may read of the world, by slot: read-only views over the engine's
    buffers (they follow every frame's values, never copies) and what the scheduler
    derives from them each frame (``player_distance``, ``nearby``)."""

    position: np.ndarray  # (capacity, 3) float32
    health: np.ndarray  # (capacity,) float32
    perception: np.ndarray  # (capacity,) uint32 flags
    player_position: np.ndarray  # (3,) float32
    player_distance: np.ndarray  # (capacity,) float32, updated once a frame
    nearby: NearbyQuery

    @classmethod
    def of(cls, world: World, player_distance: np.ndarray, nearby: NearbyQuery) -> WorldView:
        return cls(
            position=_read_only(world.position),
            health=_read_only(world.health),
            perception=_read_only(world.perception),
            player_position=_read_only(world.player_position),
            player_distance=_read_only(player_distance),
            nearby=nearby,
        )


def _silent(npc: Npc, line: str, intensity: float | None) -> None:
    """No voice: what NPCs say goes nowhere (a scheduler without a runtime)."""


def _nothing_to_say(npc: Npc, topic: str, variables: dict[str, Memorable]) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Voice:
    """Where ``say`` and ``speak`` go (the runtime's subtitles, clips and dialogue)."""

    say: Callable[[Npc, str, float | None], None] = _silent
    # -> False when no line fits
    speak: Callable[[Npc, str, dict[str, Memorable]], bool] = _nothing_to_say


@dataclass(frozen=True, slots=True)
class Messaging:
    """Where NPCs' commands to the engine go (validated) and their ``tell``s to each
    other (delivered next frame)."""

    emit: Callable[[dict[str, Memorable]], None]
    # (sender slot, kind or slot, name, data)
    tell: Callable[[int, str | int, str, dict[str, Memorable]], None]


class GameClock:
    """Game time: seconds since the runtime started (the sum of the frames' ``dt``; what
    ``after`` counts in) and frames run. The scheduler advances it; NPCs only read it."""

    __slots__ = ("frame", "now")

    def __init__(self) -> None:
        self.now = 0.0
        self.frame = 0


@dataclass(frozen=True, slots=True)
class NpcServices:
    """Everything an NPC acts through. ``story`` and ``knowledge`` are None when their
    system is off (logged once by the runtime, with the reason); ``decisions`` holds what
    the decision models advised each NPC (empty when no model is on)."""

    world: WorldView
    memory: NpcMemory
    timers: Timers
    story: StoryBook | None
    knowledge: KnowledgeBase | None
    voice: Voice
    messaging: Messaging
    clock: GameClock
    decisions: DecisionBoard
