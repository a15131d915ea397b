"""The NPC decision models' inputs and outputs: the one definition the trainer, the
registry, the runtime and ``aicore models explain`` share.

A model sees one row of :data:`N_FEATURES` float32 values per NPC, in the order of
:data:`FEATURES` (each with its meaning, its scaling and the neutral value ``explain``
fills in), and answers one of its :class:`ModelSpec`'s classes with their probabilities.
:func:`gather` builds those rows for a batch of NPC slots from the world's buffers and a
:class:`FeatureContext` (what the world buffers do not hold: each slot's kind and
archetype, when it last perceived the player, the story's flags, the light), with numpy
only: no Python loop over NPCs.

Where the values come from:

* the archetype: the NPC kind's behaviour archetype (:data:`KIND_ARCHETYPES`; a kind the
  table does not name has none, and all its archetype features are 0);
* health: ``world.health``, clipped to [0, 1];
* hunger: the world's custom channel :data:`HUNGER_CHANNEL` (0), clipped to [0, 1], which
  the game writes (0 sated, 1 starving); a context whose ``hunger_channel`` is ``None``, or
  a world with no such channel, uses the context's ``hunger`` for every NPC;
* the player: 3-D distance over :data:`PLAYER_RANGE_M` (30 m), clipped to [0, 1]; bearing
  on the ground (x, y) relative to the NPC's heading (radians, 0 = +y, counter-clockwise,
  as the engine writes it), as its sine (positive: the player is to the NPC's left) and
  cosine (1: straight ahead); an NPC standing on the player faces it (sin 0, cos 1);
* sees_player: the engine's ``PERCEIVES_PLAYER`` perception bit this frame, 0 or 1;
* since_seen: seconds since the NPC last perceived the player (the context's per-slot
  ``last_seen_at``, which :meth:`FeatureContext.observe` updates each frame) over
  :data:`SEEN_HORIZON_S` (60 s), clipped to [0, 1]: 0 sees it now, 1 a minute ago or never;
* allies: other live NPCs of the same kind in the 3 x 3 block of :data:`ALLY_CELL_M` (8 m)
  ground cells around it (``allies.py``: all within 8 m, none beyond 22.6 m) over
  :data:`ALLY_COUNT_CAP` (8), clipped to [0, 1];
* light: the world's custom channel :data:`LIGHT_CHANNEL` (1) (0 dark, 1 full daylight),
  or the context's global ``light`` when its ``light_channel`` is ``None`` or the world has
  no such channel;
* story flags: :data:`STORY_FLAGS`, each 0 or 1 (the context's ``story_flags``).

A NaN the engine wrote becomes 0. Changing anything here (a feature, its order, its
scaling, a class) changes what a model means: raise :data:`FEATURE_VERSION`, retrain
(``aicore models train``), and the registry refuses a model trained on another version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.models.allies import count_allies

__all__ = [
    "ACTION_MODEL",
    "ALLY_CELL_M",
    "ALLY_COUNT_CAP",
    "ARCHETYPES",
    "FEATURES",
    "FEATURE_NAMES",
    "FEATURE_VERSION",
    "HUNGER_CHANNEL",
    "KIND_ARCHETYPES",
    "LIGHT_CHANNEL",
    "MODELS",
    "MOOD_MODEL",
    "N_FEATURES",
    "PLAYER_RANGE_M",
    "SEEN_HORIZON_S",
    "STORY_FLAGS",
    "Feature",
    "FeatureContext",
    "ModelSpec",
    "column",
    "gather",
    "neutral_row",
    "scale_allies",
    "scale_distance",
    "scale_since_seen",
]

FEATURE_VERSION = 1
"""Raised whenever a feature, its order or scaling, or a model's classes change."""

ARCHETYPES: tuple[str, ...] = (
    "broker",
    "ghoul",
    "human",
    "vampire",
    "werewolf",
    "wraith",
    "zombie",
)
"""The behaviour archetypes, one feature each (one-hot), in this order."""

KIND_ARCHETYPES: dict[str, str] = {
    "aethelred": "broker",
    "ghoul": "ghoul",
    "townsfolk": "human",
    "vampire": "vampire",
    "werewolf": "werewolf",
    "wraith": "wraith",
    "zombie": "zombie",
}
"""The shipped NPC kinds' behaviour archetypes (not their voices: Aethelred speaks with a
ghoul's voice, but decides as the broker)."""

STORY_FLAGS: tuple[str, ...] = (
    "met_broker",
    "covenant_favour",
    "ghoul_fed",
    "wraith_at_rest",
    "has_ledger",
    "town_knows",
)
"""The story flags (``content/story/aethelred.toml``) the models see, each as 0 or 1."""

HUNGER_CHANNEL = 0
"""The world custom channel that holds each NPC's hunger, 0 (sated) to 1 (starving)."""
LIGHT_CHANNEL = 1
"""The world custom channel that holds the light on each NPC, 0 (dark) to 1 (daylight)."""
PLAYER_RANGE_M = 30.0
"""Distances to the player are scaled by this and clipped: 1 means this far or farther."""
SEEN_HORIZON_S = 60.0
"""Time since the player was last perceived is scaled by this and clipped."""
ALLY_CELL_M = 8.0
"""The ground cell of the allies count (allies.py)."""
ALLY_COUNT_CAP = 8
"""Allies are scaled by this and clipped: 1 means this many or more."""


@dataclass(frozen=True)
class Feature:
    """One input column: its ``name``, what it means, how the raw value is scaled, and
    the ``neutral`` value ``aicore models explain`` uses when a row does not give it."""

    name: str
    meaning: str
    scale: str
    neutral: float


def _archetype_features() -> tuple[Feature, ...]:
    return tuple(
        Feature(f"archetype_{name}", f"the NPC's archetype is {name}", "1 or 0 (one-hot)", 0.0)
        for name in ARCHETYPES
    )


def _flag_features() -> tuple[Feature, ...]:
    return tuple(
        Feature(f"flag_{name}", f"story flag {name} is set", "1 or 0", 0.0) for name in STORY_FLAGS
    )


FEATURES: tuple[Feature, ...] = (
    *_archetype_features(),
    Feature("health", "the NPC's health", "world.health, clipped to [0, 1]", 1.0),
    Feature("hunger", "the NPC's hunger", f"custom channel {HUNGER_CHANNEL}, [0, 1]", 0.0),
    Feature(
        "player_distance",
        "3-D distance to the player",
        f"metres / {PLAYER_RANGE_M:g}, clipped to [0, 1]",
        1.0,
    ),
    Feature("player_bearing_sin", "sine of the player's bearing (left > 0)", "[-1, 1]", 0.0),
    Feature("player_bearing_cos", "cosine of the player's bearing (ahead = 1)", "[-1, 1]", 1.0),
    Feature("sees_player", "the NPC perceives the player this frame", "1 or 0", 0.0),
    Feature(
        "since_seen",
        "time since the NPC last perceived the player",
        f"seconds / {SEEN_HORIZON_S:g}, clipped to [0, 1]; 1 = never",
        1.0,
    ),
    Feature(
        "allies",
        f"live NPCs of its kind in the 3 x 3 block of {ALLY_CELL_M:g} m cells around it",
        f"count / {ALLY_COUNT_CAP}, clipped to [0, 1]",
        0.0,
    ),
    Feature("light", "light on the NPC", f"custom channel {LIGHT_CHANNEL}, [0, 1]", 0.5),
    *_flag_features(),
)
"""Every input column, in the models' order."""

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
N_FEATURES = len(FEATURES)
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def column(name: str) -> int:
    """The column of feature ``name`` (``KeyError`` for a name :data:`FEATURES` lacks)."""
    return _INDEX[name]


_ARCHETYPE0 = column(f"archetype_{ARCHETYPES[0]}")
_HEALTH = column("health")
_HUNGER = column("hunger")
_DISTANCE = column("player_distance")
_SIN = column("player_bearing_sin")
_COS = column("player_bearing_cos")
_SEES = column("sees_player")
_SINCE = column("since_seen")
_ALLIES = column("allies")
_LIGHT = column("light")
_FLAG0 = column(f"flag_{STORY_FLAGS[0]}")


def neutral_row() -> np.ndarray:
    """A (N_FEATURES,) float32 row of every feature's neutral value."""
    return np.array([f.neutral for f in FEATURES], np.float32)


@dataclass(frozen=True)
class ModelSpec:
    """A shipped model: its ``name`` (the file is ``<name>.onnx``), what it decides, and
    its classes in output order. Every model takes ``features`` (batch, N_FEATURES)
    float32 and answers ``label`` (batch,) int64 (an index into ``classes``) and
    ``probabilities`` (batch, len(classes)) float32."""

    name: str
    meaning: str
    classes: tuple[str, ...]

    input_name = "features"
    label_output = "label"
    probabilities_output = "probabilities"


ACTION_MODEL = ModelSpec(
    "npc_action",
    "what the NPC does next",
    ("idle", "wander", "stalk", "attack", "flee", "speak"),
)
MOOD_MODEL = ModelSpec(
    "npc_mood",
    "how the NPC feels (its voice, its barks, its idle animation)",
    ("calm", "wary", "hungry", "angry", "afraid"),
)
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (ACTION_MODEL, MOOD_MODEL)}
"""The models the project trains and ships, by name."""


# -- scaling: the generator and the gatherer both go through these ---------------------


def scale_distance(metres: np.ndarray | float) -> np.ndarray:
    """Metres to the player as the ``player_distance`` feature."""
    return np.clip(np.asarray(metres, np.float64) / PLAYER_RANGE_M, 0.0, 1.0)


def scale_since_seen(seconds: np.ndarray | float) -> np.ndarray:
    """Seconds since the player was perceived (inf: never) as the ``since_seen`` feature."""
    return np.clip(np.asarray(seconds, np.float64) / SEEN_HORIZON_S, 0.0, 1.0)


def scale_allies(count: np.ndarray | float) -> np.ndarray:
    """A count of allies as the ``allies`` feature."""
    return np.clip(np.asarray(count, np.float64) / ALLY_COUNT_CAP, 0.0, 1.0)


# -- the context and the gatherer ------------------------------------------------------


class FeatureContext:
    """What the features need beyond the world buffers, per slot of a world of
    ``capacity`` slots. The runtime keeps one and updates it: :meth:`place` at spawn,
    :meth:`free` at despawn, :meth:`observe` once a frame, :meth:`set_flag` when a story
    flag changes."""

    def __init__(self, capacity: int) -> None:
        self.kind_ids = np.full(capacity, -1, np.int32)
        """Each slot's kind code (any code the caller picks; -1: free): allies share one."""
        self.archetype_ids = np.full(capacity, -1, np.int32)
        """Each slot's index into :data:`ARCHETYPES` (-1: none)."""
        self.last_seen_at = np.full(capacity, -np.inf, np.float64)
        """Game time (s) each slot last perceived the player (-inf: never)."""
        self.now = 0.0
        """The game time the features are gathered at (s)."""
        self.story_flags = np.zeros(len(STORY_FLAGS), np.float32)
        """:data:`STORY_FLAGS` as 0 or 1, in that order."""
        self.hunger_channel: int | None = HUNGER_CHANNEL
        self.hunger = 0.0
        """Every NPC's hunger when ``hunger_channel`` is None or the world lacks it."""
        self.light_channel: int | None = LIGHT_CHANNEL
        self.light = 0.5
        """The light on every NPC when ``light_channel`` is None or the world lacks it."""

    def place(self, slot: int, kind_id: int, kind: str) -> None:
        """``slot`` now holds an NPC of ``kind`` (code ``kind_id``); it has never seen
        the player."""
        archetype = KIND_ARCHETYPES.get(kind)
        self.kind_ids[slot] = kind_id
        self.archetype_ids[slot] = -1 if archetype is None else ARCHETYPES.index(archetype)
        self.last_seen_at[slot] = -np.inf

    def free(self, slot: int) -> None:
        """``slot`` holds no NPC any more."""
        self.kind_ids[slot] = -1
        self.archetype_ids[slot] = -1
        self.last_seen_at[slot] = -np.inf

    def observe(self, world: World, now: float) -> None:
        """Once a frame: the time is ``now``, and every live NPC that perceives the player
        has seen it now (one vectorised update)."""
        self.now = float(now)
        seeing = ((world.perception & PERCEIVES_PLAYER) != 0) & (world.alive != 0)
        self.last_seen_at[seeing] = self.now

    def set_flag(self, name: str, value: object) -> None:
        """Story flag ``name`` (one of :data:`STORY_FLAGS`, else ``KeyError``) is
        ``value``, taken as true or false."""
        if name not in STORY_FLAGS:
            raise KeyError(name)
        self.story_flags[STORY_FLAGS.index(name)] = 1.0 if value else 0.0

    def set_flags(self, flags: Mapping[str, object]) -> None:
        """Every flag of :data:`STORY_FLAGS` that ``flags`` names (others are ignored)."""
        for name in STORY_FLAGS:
            if name in flags:
                self.set_flag(name, flags[name])


def _channel(world: World, channel: int | None, slots: np.ndarray, fallback: float) -> np.ndarray:
    if channel is not None and 0 <= channel < world.custom.shape[1]:
        return world.custom[slots, channel]
    return np.full(slots.shape[0], fallback, np.float32)


def gather(
    world: World,
    slots: np.ndarray,
    context: FeatureContext,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The feature rows of ``slots``: a (len(slots), N_FEATURES) float32 array.

    ``out``, when given, is a float32 C-contiguous array of at least len(slots) rows and
    N_FEATURES columns that the runtime allocated once: the rows are written into its
    first len(slots) rows, and that view is returned.
    """
    slots = np.asarray(slots, np.intp)
    n = slots.shape[0]
    if out is None:
        out = np.empty((n, N_FEATURES), np.float32)
    elif out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != N_FEATURES or len(out) < n:
        raise ValueError(f"out must be float32 (>= {n}, {N_FEATURES}), got {out.dtype} {out.shape}")
    rows = out[:n]

    # The archetype, one-hot: clear the block, then one scattered write of the ones.
    rows[:, _ARCHETYPE0 : _ARCHETYPE0 + len(ARCHETYPES)] = 0.0
    archetype = context.archetype_ids[slots]
    known = np.flatnonzero(archetype >= 0)
    rows[known, _ARCHETYPE0 + archetype[known]] = 1.0

    np.clip(world.health[slots], 0.0, 1.0, out=rows[:, _HEALTH])
    hunger = _channel(world, context.hunger_channel, slots, context.hunger)
    np.clip(hunger, 0.0, 1.0, out=rows[:, _HUNGER])

    # The player: float64 so that metres-scale positions lose nothing before scaling.
    delta = world.player_position.astype(np.float64) - world.position[slots].astype(np.float64)
    distance = np.sqrt(np.einsum("ij,ij->i", delta, delta))
    rows[:, _DISTANCE] = scale_distance(distance)
    ground = np.hypot(delta[:, 0], delta[:, 1])
    on_player = ground < 1e-6
    ground[on_player] = 1.0
    towards_x, towards_y = delta[:, 0] / ground, delta[:, 1] / ground
    heading = world.heading[slots].astype(np.float64)
    sin_h, cos_h = np.sin(heading), np.cos(heading)
    # Facing (-sin h, cos h); the NPC's left is (-cos h, -sin h).
    bearing_cos = towards_y * cos_h - towards_x * sin_h
    bearing_sin = -(towards_x * cos_h + towards_y * sin_h)
    bearing_cos[on_player] = 1.0
    bearing_sin[on_player] = 0.0
    rows[:, _COS] = bearing_cos
    rows[:, _SIN] = bearing_sin

    rows[:, _SEES] = (world.perception[slots] & PERCEIVES_PLAYER) != 0
    rows[:, _SINCE] = scale_since_seen(context.now - context.last_seen_at[slots])

    allies = count_allies(world.position, world.alive, context.kind_ids, slots, ALLY_CELL_M)
    rows[:, _ALLIES] = scale_allies(allies)

    light = _channel(world, context.light_channel, slots, context.light)
    np.clip(light, 0.0, 1.0, out=rows[:, _LIGHT])
    rows[:, _FLAG0 : _FLAG0 + len(STORY_FLAGS)] = context.story_flags
    np.copyto(rows, 0.0, where=np.isnan(rows))  # a fifth of np.nan_to_num's cost
    return rows
