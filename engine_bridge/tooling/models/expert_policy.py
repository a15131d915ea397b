"""The expert policy: the readable rules the shipped models learn, and the label noise.

The rules read the same feature rows the models read (``engine_bridge/models/features.py``)
and turn them back into game units (metres, seconds) through its scale constants, so a
threshold here is the threshold a designer would say. Each archetype has its
:class:`Traits`; for each model, rules are tried in order and the first that holds decides.

The action (``npc_action``):

1. **flee** when health is under the archetype's ``flee_below`` (zombies and wraiths never
   run for their health);
2. **flee** when the archetype shuns light (vampire, wraith) and the light is over
   :data:`BRIGHT` (0.7);
3. **idle** when the story has quieted it: a ghoul once ``ghoul_fed`` (they let you pass),
   a wraith once ``wraith_at_rest``;
4. people (broker, human), who never attack:
   a. **idle** for a human who sees the player within :data:`SHUN_M` (8 m) once the
      player ``met_broker`` and while the town does not know (``town_knows``): they turn
      their faces away from the broker's man;
   b. **stalk** for the broker once the player ``has_ledger``, if seen within his memory
      (30 s) and closer than :data:`FAR_M`: he wants it back;
   c. **speak** when it sees the player within :data:`TALK_M` (6 m) and is calm (health
      at least :data:`CALM_HEALTH`, 0.6);
   d. **wander** by day (light over :data:`DAYLIGHT`, 0.4), else **idle**;
5. monsters:
   a. **attack** when it sees the player within its ``reach_m`` and its hunger is at least
      its ``attack_hunger``; a werewolf with :data:`PACK` (2) or more allies attacks at any
      hunger; a vampire of a covenant that has had its favour (``covenant_favour``) only
      from :data:`SATED_VAMPIRE` (0.9) hunger;
   b. **speak** for the talkers (vampire: the invitation; wraith: the whisper) when it
      sees the player within :data:`TALK_M` and did not attack;
   c. **stalk** when it perceived the player within its ``memory_s`` seconds and the
      player is closer than :data:`FAR_M` (30 m, the feature's range);
   d. **wander** when hungry (over :data:`FORAGE_HUNGER`, 0.5), looking for food;
   e. else **idle**.

The mood (``npc_mood``):

1. **afraid** under rules 1 and 2 of the action (it would flee);
2. **angry** when hurt (health under :data:`CALM_HEALTH`) and it sees the player; the
   broker once the player ``has_ledger``; the werewolf once the player ``met_broker``
   (you smell of Aethelred);
3. **hungry** for a monster whose hunger is at least :data:`HUNGRY` (0.6), unless a fed
   ghoul;
4. **wary** when it sees the player or perceived it within :data:`WARY_S` (15 s), and a
   human while the player ``met_broker`` and the town does not know;
5. else **calm**.

Label noise: the training labels are the rules' with a fraction :data:`NOISE_RATE` (5 %)
replaced, each by a class drawn uniformly from the *other* classes (:func:`add_noise`). The
model learns from the noisy labels; its agreement is measured against the rules' own
labels on a held-out set, so the noise is honest: it does not inflate the figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine_bridge.models.features import (
    ACTION_MODEL,
    ALLY_COUNT_CAP,
    ARCHETYPES,
    MOOD_MODEL,
    PLAYER_RANGE_M,
    SEEN_HORIZON_S,
    STORY_FLAGS,
    column,
)

__all__ = [
    "NOISE_RATE",
    "TRAITS",
    "Traits",
    "action_labels",
    "add_noise",
    "labels_for",
    "mood_labels",
]

NOISE_RATE = 0.05
"""The fraction of training labels replaced by another class."""

BRIGHT = 0.7  # light over which the light-shunning flee
DAYLIGHT = 0.4  # light over which people go about their business
SHUN_M = 8.0  # townsfolk turn away from the broker's man this close
TALK_M = 6.0  # close enough to talk
FAR_M = PLAYER_RANGE_M  # beyond this the player is out of the feature's range
CALM_HEALTH = 0.6  # health under which an NPC is hurt: no talk, and angry at the player
PACK = 2  # allies with which a werewolf attacks whatever its hunger
SATED_VAMPIRE = 0.9  # hunger a favoured covenant's vampire attacks from
FORAGE_HUNGER = 0.5  # hunger over which a monster wanders for food
HUNGRY = 0.6  # hunger from which a monster's mood is hungry
WARY_S = 15.0  # seconds after seeing the player that an NPC stays wary


@dataclass(frozen=True)
class Traits:
    """How an archetype decides: ``flee_below`` health (0: never), ``shuns_light``,
    ``hunts`` (a monster; people never attack), ``attack_hunger`` and ``reach_m`` (it
    attacks a seen player this close once this hungry), ``talks`` and ``memory_s`` (how
    long after seeing the player it stalks it)."""

    flee_below: float
    shuns_light: bool
    hunts: bool
    attack_hunger: float
    reach_m: float
    talks: bool
    memory_s: float


TRAITS: dict[str, Traits] = {
    "broker": Traits(0.4, False, False, 2.0, 0.0, True, 30.0),
    "ghoul": Traits(0.3, False, True, 0.6, 4.0, False, 20.0),
    "human": Traits(0.5, False, False, 2.0, 0.0, True, 0.0),
    "vampire": Traits(0.2, True, True, 0.5, 6.0, True, 30.0),
    "werewolf": Traits(0.15, False, True, 0.3, 8.0, False, 40.0),
    "wraith": Traits(0.0, True, True, 0.8, 3.0, True, 60.0),
    "zombie": Traits(0.0, False, True, 0.0, 3.0, False, 10.0),
}
"""Each archetype's traits (people's attack_hunger of 2 is never reached)."""


class _Situation:
    """The feature rows in game units, one array per quantity (vectorised rules)."""

    def __init__(self, rows: np.ndarray) -> None:
        def feature(name: str) -> np.ndarray:
            return rows[:, column(name)].astype(np.float64)

        first = column(f"archetype_{ARCHETYPES[0]}")
        # A row with no archetype (all zeros) reads as the first; the generator sets one.
        self.archetype = np.argmax(rows[:, first : first + len(ARCHETYPES)], axis=1)
        self.health = feature("health")
        self.hunger = feature("hunger")
        self.distance_m = feature("player_distance") * PLAYER_RANGE_M
        self.sees = feature("sees_player") > 0.5
        self.since_s = feature("since_seen") * SEEN_HORIZON_S
        self.allies = feature("allies") * ALLY_COUNT_CAP
        self.light = feature("light")
        self.flags = {name: feature(f"flag_{name}") > 0.5 for name in STORY_FLAGS}

    def trait(self, name: str) -> np.ndarray:
        """Each row's archetype's trait ``name``, as an array."""
        table = np.array([getattr(TRAITS[a], name) for a in ARCHETYPES], np.float64)
        return table[self.archetype]

    def is_(self, *archetypes: str) -> np.ndarray:
        """Rows whose archetype is one of ``archetypes``."""
        return np.isin(self.archetype, [ARCHETYPES.index(a) for a in archetypes])


def _first(
    rules: list[tuple[np.ndarray, str]], default: str, classes: tuple[str, ...]
) -> np.ndarray:
    """The class of the first rule that holds in each row (``default`` when none does)."""
    conditions = [condition for condition, _ in rules]
    choices = [classes.index(label) for _, label in rules]
    return np.select(conditions, choices, classes.index(default)).astype(np.int64)


def _afraid(s: _Situation) -> np.ndarray:
    hurt = s.health < s.trait("flee_below")
    dazzled = (s.trait("shuns_light") > 0) & (s.light > BRIGHT)
    return hurt | dazzled


def action_labels(rows: np.ndarray) -> np.ndarray:
    """The expert's action (an index into ``ACTION_MODEL.classes``) for each feature row."""
    s = _Situation(rows)
    f = s.flags
    people = s.is_("broker", "human")
    monster = ~people
    calm = s.health >= CALM_HEALTH
    near = s.sees & (s.distance_m < TALK_M)
    within_reach = s.distance_m < s.trait("reach_m")
    in_memory = (s.since_s <= s.trait("memory_s")) & (s.distance_m < FAR_M)
    attack_hunger = np.where(s.is_("werewolf") & (s.allies >= PACK), 0.0, s.trait("attack_hunger"))
    attack_hunger = np.where(s.is_("vampire") & f["covenant_favour"], SATED_VAMPIRE, attack_hunger)
    rules = [
        (_afraid(s), "flee"),
        ((s.is_("ghoul") & f["ghoul_fed"]) | (s.is_("wraith") & f["wraith_at_rest"]), "idle"),
        (
            s.is_("human") & s.sees & (s.distance_m < SHUN_M) & f["met_broker"] & ~f["town_knows"],
            "idle",
        ),
        (s.is_("broker") & f["has_ledger"] & in_memory, "stalk"),
        (people & near & calm, "speak"),
        (people & (s.light > DAYLIGHT), "wander"),
        (people, "idle"),
        (monster & s.sees & within_reach & (s.hunger >= attack_hunger), "attack"),
        (monster & (s.trait("talks") > 0) & near, "speak"),
        (monster & in_memory, "stalk"),
        (monster & (s.hunger > FORAGE_HUNGER), "wander"),
    ]
    return _first(rules, "idle", ACTION_MODEL.classes)


def mood_labels(rows: np.ndarray) -> np.ndarray:
    """The expert's mood (an index into ``MOOD_MODEL.classes``) for each feature row."""
    s = _Situation(rows)
    f = s.flags
    monster = ~s.is_("broker", "human")
    shunned = s.is_("human") & f["met_broker"] & ~f["town_knows"]
    rules = [
        (_afraid(s), "afraid"),
        ((s.health < CALM_HEALTH) & s.sees, "angry"),
        (s.is_("broker") & f["has_ledger"], "angry"),
        (s.is_("werewolf") & f["met_broker"], "angry"),
        (monster & (s.hunger >= HUNGRY) & ~(s.is_("ghoul") & f["ghoul_fed"]), "hungry"),
        (s.sees | (s.since_s <= WARY_S) | shunned, "wary"),
    ]
    return _first(rules, "calm", MOOD_MODEL.classes)


def labels_for(model: str, rows: np.ndarray) -> np.ndarray:
    """The expert's labels for ``model`` (``npc_action`` or ``npc_mood``)."""
    if model == ACTION_MODEL.name:
        return action_labels(rows)
    if model == MOOD_MODEL.name:
        return mood_labels(rows)
    raise KeyError(model)


def add_noise(
    labels: np.ndarray, classes: int, rng: np.random.Generator, rate: float = NOISE_RATE
) -> np.ndarray:
    """``labels`` with a fraction ``rate`` of them replaced, each by one of the other
    ``classes - 1`` classes drawn uniformly (a copy; ``labels`` is kept)."""
    noisy = labels.copy()
    flip = rng.random(labels.shape[0]) < rate
    shift = rng.integers(1, classes, labels.shape[0])  # never 0: always another class
    noisy[flip] = (labels[flip] + shift[flip]) % classes
    return noisy
