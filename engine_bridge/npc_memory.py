"""What NPCs remember (``remember``/``recall``): the :class:`NpcMemory` interface and the
in-memory store behind it.

The interface is the seam a persistent store (SQLite, next) plugs into, so it is shaped by
what such a store needs:

* values are plain data (:data:`Memorable`), which a store can encode without knowing any
  script's classes;
* reads and writes are per key of one slot, and :meth:`NpcMemory.flush` runs once at the
  end of every frame (and when the runtime closes): a store may keep the frame's writes in
  Python and write them in one transaction there, never in the middle of a handler;
* :meth:`NpcMemory.view` hands out what the store keeps in Python for a slot, which is
  what the memory census (memory_watch.py) measures and what dialogue conditions read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol, TypeAlias

__all__ = ["InMemoryNpcMemory", "Memorable", "NpcMemory"]

# Plain data: what ``remember`` keeps and events carry. JSON's values, plus tuples (a
# position is a tuple). Not enforced at run time: checking every write would cost the hot
# path; a store that persists checks what it encodes.
Memorable: TypeAlias = (
    bool
    | int
    | float
    | str
    | tuple["Memorable", ...]
    | list["Memorable"]
    | dict[str, "Memorable"]
    | None
)

_NOTHING: Mapping[str, Memorable] = MappingProxyType({})


class NpcMemory(Protocol):
    """Per-NPC key/value memory, by slot. Implementations must give back an equal value
    for every key set, until it is forgotten or its slot dropped."""

    def get(self, slot: int, key: str, default: Memorable = None) -> Memorable:
        """The value ``slot`` remembers under ``key``, or ``default``."""
        ...

    def set(self, slot: int, key: str, value: Memorable) -> None:
        """Remember ``value`` under ``key`` for ``slot`` (replacing what was there)."""
        ...

    def forget(self, slot: int, key: str) -> None:
        """Forget ``key`` for ``slot``; nothing happens if it was not remembered."""
        ...

    def view(self, slot: int) -> Mapping[str, Memorable]:
        """Everything ``slot`` remembers, read-only (callers must not change it); empty if
        nothing. It may follow later writes: copy it (``dict(...)``) to keep a moment."""
        ...

    def drop_slot(self, slot: int) -> None:
        """Forget everything of ``slot`` (its NPC despawned)."""
        ...

    def flush(self) -> None:
        """End of frame: write what was batched (nothing to do for an in-memory store)."""
        ...


class InMemoryNpcMemory:
    """:class:`NpcMemory` in a dict per slot: what the game has while nothing persists."""

    __slots__ = ("_slots",)

    def __init__(self) -> None:
        self._slots: dict[int, dict[str, Memorable]] = {}

    def get(self, slot: int, key: str, default: Memorable = None) -> Memorable:
        memory = self._slots.get(slot)
        return default if memory is None else memory.get(key, default)

    def set(self, slot: int, key: str, value: Memorable) -> None:
        memory = self._slots.get(slot)
        if memory is None:
            memory = self._slots[slot] = {}
        memory[key] = value

    def forget(self, slot: int, key: str) -> None:
        memory = self._slots.get(slot)
        if memory is not None:
            memory.pop(key, None)

    def view(self, slot: int) -> Mapping[str, Memorable]:
        # The dict itself, not a proxy: no allocation per call, and the memory census
        # must reach the dict to measure it (it follows dicts, not proxies).
        return self._slots.get(slot, _NOTHING)

    def drop_slot(self, slot: int) -> None:
        self._slots.pop(slot, None)

    def flush(self) -> None:
        pass
