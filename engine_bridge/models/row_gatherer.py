"""The feature rows of a world, gathered every frame in one native pass.

:func:`features.gather` is the definition, written with numpy; a :class:`RowGatherer` binds
one world's buffers and one :class:`FeatureContext`'s arrays once, and then each
:meth:`RowGatherer.gather` writes the same rows with the compiled kernel
(``cpp/models``, module ``engine_bridge.models._feature_rows``): no numpy call per feature,
and the allies count from a hash of (kind, cell) instead of a sort. For 1 000 NPCs that is
the difference between ~390 us and ~20 us a frame (docs/models.md, "Benchmarks").

Both are checked to agree on the same worlds (``tests/models/test_native_feature_rows.py``).
A build without the compiled module (a source tree never installed) gathers with numpy:
:attr:`RowGatherer.native` says which, and ``aicore doctor`` reports it.
"""

from __future__ import annotations

import numpy as np

from engine_bridge.core.world import PERCEIVES_PLAYER, World
from engine_bridge.models import features
from engine_bridge.models.features import N_FEATURES, FeatureContext

try:
    from engine_bridge.models._feature_rows import FeatureRows as _NativeRows
except ImportError:  # a source tree without the native build: numpy does the work
    _NativeRows = None

__all__ = ["RowGatherer", "native_available"]


def native_available() -> bool:
    """Whether the compiled kernel is installed."""
    return _NativeRows is not None


def _layout() -> tuple[dict[str, int], dict[str, float]]:
    column = features.column
    columns = {
        "archetype0": column(f"archetype_{features.ARCHETYPES[0]}"),
        "archetypes": len(features.ARCHETYPES),
        "health": column("health"),
        "hunger": column("hunger"),
        "distance": column("player_distance"),
        "bearing_sin": column("player_bearing_sin"),
        "bearing_cos": column("player_bearing_cos"),
        "sees": column("sees_player"),
        "since": column("since_seen"),
        "allies": column("allies"),
        "light": column("light"),
        "flag0": column(f"flag_{features.STORY_FLAGS[0]}"),
        "flags": len(features.STORY_FLAGS),
        "width": N_FEATURES,
    }
    scales = {
        "player_range_m": features.PLAYER_RANGE_M,
        "seen_horizon_s": features.SEEN_HORIZON_S,
        "ally_cell_m": features.ALLY_CELL_M,
        "ally_count_cap": float(features.ALLY_COUNT_CAP),
        "perceives_player": int(PERCEIVES_PLAYER),
    }
    return columns, scales


class RowGatherer:
    """The feature rows of ``world``'s slots with ``context`` (kept for the world's life:
    both hold their arrays from allocation on, and the kernel reads them in place)."""

    def __init__(self, world: World, context: FeatureContext, *, native: bool = True) -> None:
        self.world = world
        self.context = context
        self._rows = None
        if native and _NativeRows is not None:
            rows = _NativeRows(*_layout())
            rows.bind(
                world.position,
                world.heading,
                world.health,
                world.custom,
                world.perception,
                world.alive,
                world.player_position,
                context.kind_ids,
                context.archetype_ids,
                context.last_seen_at,
            )
            self._rows = rows

    @property
    def native(self) -> bool:
        """True when the compiled kernel gathers; False when numpy does."""
        return self._rows is not None

    def gather(self, slots: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The rows of ``slots`` (int64 slot indices) written into the first len(slots)
        rows of ``out`` (float32, N_FEATURES columns, kept by the caller); returns that view.
        ``IndexError`` for a slot outside the world."""
        if self._rows is None:
            return features.gather(self.world, slots, self.context, out=out)
        slots = np.ascontiguousarray(slots, np.int64)
        context = self.context
        self._rows.gather(
            slots,
            out,
            context.story_flags,
            context.now,
            -1 if context.hunger_channel is None else context.hunger_channel,
            context.hunger,
            -1 if context.light_channel is None else context.light_channel,
            context.light,
        )
        return out[: slots.shape[0]]
