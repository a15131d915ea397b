"""The designer API: what an NPC script under ``npc_scripts/`` uses.

An NPC kind is a class::

    from engine_bridge.api import Event, Npc


    class Gravedigger(Npc):
        kind = "gravedigger"      # what the engine spawns
        archetype = "zombie"      # the voice its lines are spoken with
        decision_rate = 2.0       # on_tick calls per second
        model = "npc_action"      # a decision model's advice each turn: self.decision

        def on_spawn(self) -> None:
            self.remember("shovels", 1)

        def on_tick(self, dt: float) -> None:
            if self.decision is not None and self.decision.action == "flee":
                self.flee_from(self.player_position)
            elif self.sees_player and self.player_distance < 5:
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
from typing import TYPE_CHECKING, ClassVar, NamedTuple, TypeVarTuple, Unpack

from engine_bridge.core.decisions import Decision
from engine_bridge.core.timers import TimerHandle
from engine_bridge.scripting.npc_memory import Memorable

if TYPE_CHECKING:
    from engine_bridge.content.knowledge import KnowledgeBase
    from engine_bridge.content.story import StoryBook
    from engine_bridge.scripting.services import NpcServices

__all__ = ["Decision", "Event", "Memorable", "Npc", "NpcInfo", "TimerHandle"]

Vec3 = tuple[float, float, float]
_Args = TypeVarTuple("_Args")


@dataclass(frozen=True)
class Event:
    """Something that happened to an NPC. ``type`` is one of ``player_seen``, ``damaged``,
    ``heard_noise``, ``line_finished``, ``timer`` or a custom name; ``data`` holds the rest
    of the message (``amount``, ``at``, ``loudness``, ``line``...), as plain data; each
    field is also an attribute (``event.amount``)."""

    type: str
    npc: int | None = None
    data: dict[str, Memorable] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Memorable:
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
    model: ClassVar[str | tuple[str, ...] | None] = None
    """The decision models this kind asks each turn (``content/models/manifest.toml``
    names them): ``self.decision`` is the first's advice, ``self.decision_of(name)`` any's."""

    slot: int
    # The one way to the game (services.py): set by the scheduler at spawn, and the reason
    # no method here names the scheduler.
    _services: NpcServices

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
        """Where this NPC is (metres, the engine's axes)."""
        p = self._services.world.position[self.slot]
        return (float(p[0]), float(p[1]), float(p[2]))

    @property
    def health(self) -> float:
        """This NPC's health, as the engine sets it (1.0 at spawn)."""
        return float(self._services.world.health[self.slot])

    @property
    def player_position(self) -> Vec3:
        """Where the player is."""
        p = self._services.world.player_position
        return (float(p[0]), float(p[1]), float(p[2]))

    @property
    def player_distance(self) -> float:
        """Metres to the player (computed for all NPCs at once each frame)."""
        return float(self._services.world.player_distance[self.slot])

    @property
    def sees_player(self) -> bool:
        """Whether the engine says this NPC perceives the player this frame."""
        return bool(self._services.world.perception[self.slot] & 1)

    @property
    def decision(self) -> Decision | None:
        """What the kind's (first) ``model`` advises this turn: ``decision.action``
        (``"attack"``...), ``decision.probabilities``, ``decision.model``. Decided for every
        due NPC of the kind at once, just before the ``on_tick``s. Advice: the handler
        decides what the NPC does. ``None`` when the kind asks no model, the model is off
        (missing or broken: the runtime reported it), or it has not decided for this NPC
        yet; a script then does what it would do without a model."""
        model = type(self).model
        if isinstance(model, str):
            return self._services.decisions.of(self.slot, model)
        if isinstance(model, tuple | list) and model and isinstance(model[0], str):
            return self._services.decisions.of(self.slot, model[0])
        return None  # no model, or a ``model`` the scheduler reported as wrong

    def decision_of(self, model: str) -> Decision | None:
        """The latest advice of ``model`` (one of the kind's ``model`` names) for this NPC,
        or ``None`` as for :attr:`decision`."""
        return self._services.decisions.of(self.slot, model)

    @property
    def now(self) -> float:
        """Game time in seconds since the game started: what ``after`` counts in (the
        frames' ``dt`` added up; the wall clock is not the game's)."""
        return self._services.clock.now

    def nearby(
        self, radius: float, kind: str | Iterable[str] | None = None, limit: int | None = None
    ) -> list[NpcInfo]:
        """Other NPCs within ``radius`` metres, nearest first: only those of ``kind`` (a kind
        or several), at most ``limit`` of them. Its cost follows what it returns, so ask for
        what you need: ``self.nearby(10.0, kind=("zombie", "ghoul"), limit=1)``."""
        return self._services.world.nearby(self.slot, radius, kind, limit)

    # -- actions ------------------------------------------------------------------------

    def move_to(self, target: Vec3, speed: float = 1.4) -> None:
        """Walk to ``target`` at ``speed`` metres a second."""
        self._services.messaging.emit(
            {"type": "move_to", "npc": self.slot, "target": list(target), "speed": speed}
        )

    def flee_from(self, threat: Vec3, speed: float = 4.0) -> None:
        """Run away from ``threat`` at ``speed`` metres a second."""
        self._services.messaging.emit(
            {"type": "flee", "npc": self.slot, "from": list(threat), "speed": speed}
        )

    def attack(self, target: str | int = "player") -> None:
        """Attack the player, or the NPC in slot ``target``."""
        self._services.messaging.emit({"type": "attack", "npc": self.slot, "target": target})

    def emote(self, name: str) -> None:
        """Play the emote ``name`` (an animation the engine knows)."""
        self._services.messaging.emit({"type": "emote", "npc": self.slot, "emote": name})

    def say(self, line: str, *, intensity: float | None = None) -> None:
        """Speak a shipped line (by id) or any text, in this kind's ``archetype`` voice.
        Text that is not a recorded line is synthesised off the game thread."""
        self._services.voice.say(self, line, intensity)

    def speak(self, topic: str, **variables: Memorable) -> bool:
        """Say a line of this kind's dialogue table about ``topic`` that fits the NPC's
        mood, memory and the story's flags. Returns False when no line fits."""
        return self._services.voice.speak(self, topic, variables)

    def tell(self, kind_or_slot: str | int, name: str, **data: Memorable) -> None:
        """Send a ``custom`` event named ``name`` (with ``data``) to NPCs of a kind, or to one
        slot; they get it next frame, as ``event.name`` and ``event.data``."""
        self._services.messaging.tell(self.slot, kind_or_slot, name, data)

    def remember(self, key: str, value: Memorable) -> None:
        """Keep ``value`` (plain data: numbers, text, lists, tuples, dicts of them) under
        ``key``. It lasts as long as the NPC, across reloads of its script."""
        self._services.memory[self.slot][key] = value

    def recall(self, key: str, default: Memorable = None) -> Memorable:
        """What was remembered under ``key``, or ``default``."""
        return self._services.memory[self.slot].get(key, default)

    def forget(self, key: str) -> None:
        """Forget ``key`` (``recall`` gives the default again)."""
        self._services.memory[self.slot].pop(key, None)

    def after(
        self, seconds: float, fn: Callable[[Unpack[_Args]], object], *args: *_Args
    ) -> TimerHandle:
        """Call ``fn(*args)`` in ``seconds`` (game time), under the same guard as handlers.
        Returns a handle: ``handle.cancel()`` calls it off, ``handle.pending`` says whether
        it is still to come."""
        return self._services.timers.add(self.slot, seconds, fn, args)

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
        return self._services.story

    @property
    def kb(self) -> KnowledgeBase | None:
        """The lore knowledge base: ``self.kb.search("the crypt", known_by=self.kind)``.
        ``None`` only when the knowledge system is off (logged once, with the reason)."""
        return self._services.knowledge

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} slot {self.slot}>"
