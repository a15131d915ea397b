"""The designer API: what an NPC script under ``npc_scripts/`` uses.

An NPC kind is a class::

    from engine_bridge.api import Event, Npc


    class Gravedigger(Npc):
        kind = "gravedigger"      # what the engine spawns
        archetype = "zombie"      # the voice its lines are spoken with
        decision_rate = 2.0       # on_tick calls per second

        def on_spawn(self) -> None:
            self.remember("shovels", 1)

        def on_tick(self, dt: float) -> None:
            if self.sees_player and self.player_distance < 5:
                self.say("Dig your own.")
                self.flee_from(self.player_position)

        def on_event(self, event: Event) -> None:
            if event.type == "damaged":
                self.emote("cower")

State belongs to the NPC (attributes, ``remember``/``recall``): it survives hot reload.
Every handler runs under a time budget and an exception guard; a failing NPC falls back to
:meth:`Npc.fallback` and never stops the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

if TYPE_CHECKING:
    from engine_bridge.knowledge import KnowledgeBase
    from engine_bridge.scheduler import Scheduler
    from engine_bridge.story import StoryBook

__all__ = ["Event", "Npc", "NpcInfo"]

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Event:
    """Something that happened to an NPC. ``type`` is one of ``player_seen``, ``damaged``,
    ``heard_noise``, ``line_finished``, ``timer`` or a custom name; ``data`` holds the rest
    of the message (``amount``, ``at``, ``loudness``, ``line``...)."""

    type: str
    npc: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None


class NpcInfo(NamedTuple):
    """A read-only glimpse of another NPC (a named tuple: cheap to make by the hundred)."""

    slot: int
    kind: str
    position: Vec3
    distance: float


class Npc:
    """Base class of every NPC kind. Override the ``on_*`` handlers you need."""

    kind: ClassVar[str] = ""
    archetype: ClassVar[str | None] = None
    decision_rate: ClassVar[float] = 2.0

    slot: int
    _scheduler: Scheduler

    # -- handlers (override) ------------------------------------------------------------

    def on_spawn(self) -> None:
        """Called once when the engine spawns this NPC."""

    def on_tick(self, dt: float) -> None:
        """Called ``decision_rate`` times a second (staggered across frames)."""

    def on_event(self, event: Event) -> None:
        """Called for each event addressed to this NPC."""

    def on_reload(self) -> None:
        """Called after this NPC's script was edited and reloaded; its state is kept."""

    def fallback(self, dt: float) -> None:
        """What the NPC does while its script is failing or quarantined: stand its ground."""

    # -- the world (read-only) ----------------------------------------------------------

    @property
    def position(self) -> Vec3:
        p = self._scheduler.world.position[self.slot]
        return (float(p[0]), float(p[1]), float(p[2]))

    @property
    def health(self) -> float:
        return float(self._scheduler.world.health[self.slot])

    @property
    def player_position(self) -> Vec3:
        p = self._scheduler.world.player_position
        return (float(p[0]), float(p[1]), float(p[2]))

    @property
    def player_distance(self) -> float:
        """Metres to the player (computed for all NPCs at once each frame)."""
        return float(self._scheduler.player_distance[self.slot])

    @property
    def sees_player(self) -> bool:
        return bool(self._scheduler.world.perception[self.slot] & 1)

    def nearby(
        self, radius: float, kind: str | Iterable[str] | None = None, limit: int | None = None
    ) -> list[NpcInfo]:
        """Other NPCs within ``radius`` metres, nearest first: only those of ``kind`` (a kind
        or several), at most ``limit`` of them. Its cost follows what it returns, so ask for
        what you need: ``self.nearby(10.0, kind=("zombie", "ghoul"), limit=1)``."""
        return self._scheduler.nearby(self.slot, radius, kind, limit)

    # -- actions ------------------------------------------------------------------------

    def move_to(self, target: Vec3, speed: float = 1.4) -> None:
        self._scheduler.emit(
            {"type": "move_to", "npc": self.slot, "target": list(target), "speed": speed}
        )

    def flee_from(self, threat: Vec3, speed: float = 4.0) -> None:
        self._scheduler.emit(
            {"type": "flee", "npc": self.slot, "from": list(threat), "speed": speed}
        )

    def attack(self, target: str | int = "player") -> None:
        self._scheduler.emit({"type": "attack", "npc": self.slot, "target": target})

    def emote(self, name: str) -> None:
        self._scheduler.emit({"type": "emote", "npc": self.slot, "emote": name})

    def say(self, line: str, *, intensity: float | None = None) -> None:
        """Speak a shipped line (by id) or any text, in this kind's ``archetype`` voice.
        Text that is not a recorded line is synthesised off the game thread."""
        self._scheduler.say(self, line, intensity=intensity)

    def speak(self, topic: str, **variables: Any) -> bool:
        """Say a line of this kind's dialogue table about ``topic`` that fits the NPC's
        mood, memory and the story's flags. Returns False when no line fits."""
        return self._scheduler.speak(self, topic, variables)

    def tell(self, kind_or_slot: str | int, name: str, **data: Any) -> None:
        """Send a ``custom`` event named ``name`` (with ``data``) to NPCs of a kind, or to one
        slot; they get it next frame, as ``event.name`` and ``event.data``."""
        self._scheduler.tell(self.slot, kind_or_slot, name, data)

    def remember(self, key: str, value: Any) -> None:
        self._scheduler.memory.setdefault(self.slot, {})[key] = value

    def recall(self, key: str, default: Any = None) -> Any:
        return self._scheduler.memory.get(self.slot, {}).get(key, default)

    def after(self, seconds: float, fn: Callable[..., None], *args: Any) -> int:
        """Call ``fn(*args)`` in ``seconds`` (game time), under the same guard as handlers."""
        return self._scheduler.timers.add(self.slot, seconds, fn, args)

    @property
    def mood(self) -> str:
        return str(self.recall("mood", "calm"))

    @mood.setter
    def mood(self, value: str) -> None:
        self.remember("mood", value)

    @property
    def story(self) -> StoryBook | None:
        """Every running story (``content/story/*.toml``): ``self.story.flag(name)``,
        ``set_flag``, ``complete(beat)``, ``add_hook``. ``None`` only when the story
        system is off (logged once, with the reason)."""
        return self._scheduler.story

    @property
    def kb(self) -> KnowledgeBase | None:
        """The lore knowledge base: ``self.kb.search("the crypt", known_by=self.kind)``.
        ``None`` only when the knowledge system is off (logged once, with the reason)."""
        return self._scheduler.knowledge

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} slot {self.slot}>"
