"""The world buffers as numpy arrays: views over the engine's memory, never copies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HEARS_NOISE", "IS_DAMAGED", "PERCEIVES_PLAYER", "World"]

PERCEIVES_PLAYER = 1 << 0
HEARS_NOISE = 1 << 1
IS_DAMAGED = 1 << 2


@dataclass(frozen=True)
class World:
    """Struct-of-arrays NPC state shared with the engine (``aicore_world`` in aicore.h).

    Row ``i`` of every array is NPC slot ``i``; ``alive[i]`` says whether the slot is used.
    """

    position: np.ndarray  # (capacity, 3) float32
    velocity: np.ndarray  # (capacity, 3) float32
    heading: np.ndarray  # (capacity,) float32
    health: np.ndarray  # (capacity,) float32
    perception: np.ndarray  # (capacity,) uint32 flags
    custom: np.ndarray  # (capacity, channels) float32
    alive: np.ndarray  # (capacity,) uint8
    player_position: np.ndarray  # (3,) float32

    @property
    def capacity(self) -> int:
        return int(self.position.shape[0])

    @classmethod
    def from_buffers(cls, buffers: dict[str, memoryview], capacity: int, channels: int) -> World:
        """Wrap the engine's memory (writable memoryviews from the bridge) without copying."""

        def view(name: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
            # Exactly the elements of `shape`: with no custom channels the engine's buffer
            # may still hold a placeholder, and the view is then empty, (capacity, 0).
            count = int(np.prod(shape))
            if count == 0:
                return np.zeros(shape, dtype)
            return np.frombuffer(buffers[name], dtype=dtype, count=count).reshape(shape)

        return cls(
            position=view("position", np.float32, (capacity, 3)),
            velocity=view("velocity", np.float32, (capacity, 3)),
            heading=view("heading", np.float32, (capacity,)),
            health=view("health", np.float32, (capacity,)),
            perception=view("perception", np.uint32, (capacity,)),
            custom=view("custom", np.float32, (capacity, channels)),
            alive=view("alive", np.uint8, (capacity,)),
            player_position=view("player_position", np.float32, (3,)),
        )

    @classmethod
    def allocate(cls, capacity: int, channels: int = 4) -> World:
        """A world that owns its memory (tests and tools running without an engine)."""
        return cls(
            position=np.zeros((capacity, 3), np.float32),
            velocity=np.zeros((capacity, 3), np.float32),
            heading=np.zeros(capacity, np.float32),
            health=np.ones(capacity, np.float32),
            perception=np.zeros(capacity, np.uint32),
            custom=np.zeros((capacity, channels), np.float32),
            alive=np.zeros(capacity, np.uint8),
            player_position=np.zeros(3, np.float32),
        )
