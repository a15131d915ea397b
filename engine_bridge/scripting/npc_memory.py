"""What NPCs remember (``remember``/``recall``): the :class:`NpcMemory` interface and the
in-memory store behind it.

The interface is the seam a persistent store (SQLite, next) plugs into, so it is shaped by
what such a store needs:

* values are plain data (:data:`Memorable`), which a store can encode without knowing any
  script's classes;
* an NPC reads and writes its slot's memory as a mapping (``memory[slot]``, made or loaded
  on first use): for the in-memory store that is a plain dict, so ``remember`` and
  ``recall`` cost what a dict costs, which matters as they run in every ``on_tick``. A
  persistent store hands out a mapping that notes what is written (a dict subclass), and
  :meth:`NpcMemory.flush`, run once at the end of every frame (and when the runtime
  closes), writes that in one transaction: never in the middle of a handler;
* :meth:`NpcMemory.view` hands out what the store keeps in Python for a slot without
  making it, which is what the memory census (memory_watch.py) measures and what dialogue
  conditions read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, MutableMapping
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
    for every key set, until it is removed or its slot dropped."""

    def __getitem__(self, slot: int) -> MutableMapping[str, Memorable]:
        """``slot``'s memory, made (or loaded) on first use. What is written to it is the
        store's to keep (by the end of the frame: :meth:`flush`)."""
        ...

    def view(self, slot: int) -> Mapping[str, Memorable]:
        """Everything ``slot`` remembers, read-only (callers must not change it), without
        making it; empty if nothing. It may follow later writes: copy it (``dict(...)``)
        to keep a moment."""
        ...

    def drop_slot(self, slot: int) -> None:
        """Forget everything of ``slot`` (its NPC despawned)."""
        ...

    def flush(self) -> None:
        """End of frame: write what was batched (nothing to do for an in-memory store)."""
        ...


class InMemoryNpcMemory(defaultdict[int, dict[str, Memorable]]):
    """:class:`NpcMemory` as a dict per slot: what the game has while nothing persists. A
    ``defaultdict``, so that ``memory[slot]`` runs no Python code (its ``__missing__`` is
    CPython's)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(dict)

    def view(self, slot: int) -> Mapping[str, Memorable]:
        # The dict itself, not a proxy: no allocation per call, and the memory census
        # must reach the dict to measure it (it follows dicts, not proxies).
        return self.get(slot, _NOTHING)

    def drop_slot(self, slot: int) -> None:
        self.pop(slot, None)

    def flush(self) -> None:
        pass
