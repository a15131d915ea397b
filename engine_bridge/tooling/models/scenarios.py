"""Random scenarios for the NPC decision models: feature rows drawn in game units and
scaled through ``engine_bridge/models/features.py``, so the training data and the game's
rows are made by the same definitions. The same seed gives the same rows.

How each quantity is drawn (one row is one NPC at one decision step):

* archetype: uniform over :data:`~engine_bridge.models.features.ARCHETYPES`;
* health: 1 (unhurt) for a quarter of the rows, else uniform in [0, 1];
* hunger: uniform in [0, 1];
* distance to the player: uniform in [0, 12] m for half the rows (the close encounters,
  where most decisions change) and in [0, 45] m for the others (so some are out of the
  feature's 30 m range);
* bearing: an angle uniform in [-pi, pi), as its sine and cosine;
* sees_player: with probability 0.7 within 15 m, 0.25 farther;
* since_seen: 0 when it sees the player; otherwise never (1) for 40 % of the rows, else
  uniform in [0, 75] s;
* allies: Poisson with a mean drawn from {0.3, 2, 6} (alone, a few, a horde);
* light: uniform in [0, 1];
* each story flag: set with probability 0.3.
"""

from __future__ import annotations

import numpy as np

from engine_bridge.models.features import (
    ARCHETYPES,
    N_FEATURES,
    STORY_FLAGS,
    column,
    scale_allies,
    scale_distance,
    scale_since_seen,
)

__all__ = ["HELD_OUT_STREAM", "TRAINING_STREAM", "generate"]


TRAINING_STREAM = 0
"""The stream of a seed the training rows are drawn from."""
HELD_OUT_STREAM = 1
"""The stream of a seed the held-out rows are drawn from: never the training rows."""


def generate(samples: int, seed: int, stream: int = TRAINING_STREAM) -> np.ndarray:
    """``samples`` random feature rows, (samples, N_FEATURES) float32, from ``seed`` and
    ``stream`` (independent streams of one seed never repeat each other's rows)."""
    rng = np.random.default_rng([seed, stream])
    n = samples
    rows = np.zeros((n, N_FEATURES), np.float32)

    archetype = rng.integers(0, len(ARCHETYPES), n)
    rows[np.arange(n), column(f"archetype_{ARCHETYPES[0]}") + archetype] = 1.0

    rows[:, column("health")] = np.where(rng.random(n) < 0.25, 1.0, rng.random(n))
    rows[:, column("hunger")] = rng.random(n)

    close = rng.random(n) < 0.5
    distance_m = np.where(close, rng.uniform(0.0, 12.0, n), rng.uniform(0.0, 45.0, n))
    rows[:, column("player_distance")] = scale_distance(distance_m)
    bearing = rng.uniform(-np.pi, np.pi, n)
    rows[:, column("player_bearing_sin")] = np.sin(bearing)
    rows[:, column("player_bearing_cos")] = np.cos(bearing)

    sees = rng.random(n) < np.where(distance_m < 15.0, 0.7, 0.25)
    rows[:, column("sees_player")] = sees
    since_s = np.where(rng.random(n) < 0.4, np.inf, rng.uniform(0.0, 75.0, n))
    rows[:, column("since_seen")] = np.where(sees, 0.0, scale_since_seen(since_s))

    crowd = rng.choice(np.array([0.3, 2.0, 6.0]), n)
    rows[:, column("allies")] = scale_allies(rng.poisson(crowd))
    rows[:, column("light")] = rng.random(n)
    for name in STORY_FLAGS:
        rows[:, column(f"flag_{name}")] = rng.random(n) < 0.3
    return rows
