"""NPC memory kept in the profile's database: :class:`SqliteNpcMemory`, the
:class:`~engine_bridge.scripting.npc_memory.NpcMemory` a persistent game gives its
scheduler.

On disk a slot's memory is one row, ``npc_memory(slot, keys, memory)``: ``memory`` is
the msgpack map of everything the slot remembers (schema version 3; see schema.py).
Everything is loaded when the store opens, so ``memory[slot]`` and ``recall`` never
touch the disk: a slot's memory is a dict (a subclass that notes writes). ``remember``
encodes the value at once (msgpack), so a value that is not plain data fails at the
script's own line with :class:`~engine_bridge.store.errors.NotPlainDataError` naming the
key. :meth:`SqliteNpcMemory.flush`, at the end of every frame, encodes the map of each
slot written since the last flush (only those) and puts them into the frame's batch (one
upsert ``executemany``; slots dropped or emptied, one delete ``executemany``), then hands
the batch to the writer thread.

A list or dict read back (``recall``, ``memory[slot][key]``) may be changed in place by
the script, which no ``__setitem__`` sees: reading one marks its slot to be encoded again
at the flush, so in-place changes persist too. (Containers reached through ``items()``
or ``values()`` do not mark it: ``remember`` them again; they are written whenever the
slot is.) If such a change made a value that cannot be kept, the value last written for
that key stays on disk and a ``not_plain_data`` fault names the slot and key.

Identity: memory belongs to the slot, the engine's handle of the NPC (see
docs/saves.md, "Who is who after a restart").
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from types import MappingProxyType
from typing import Any

from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.store.encoding import UnencodableError, decode, encode
from engine_bridge.store.errors import FaultKind, NotPlainDataError, StoreFault
from engine_bridge.store.journal import Journal

__all__ = ["SqliteNpcMemory", "decode_slot_memory"]

UPSERT = (
    "INSERT INTO npc_memory(slot, keys, memory) VALUES (?, ?, ?) "
    "ON CONFLICT(slot) DO UPDATE SET keys = excluded.keys, memory = excluded.memory"
)
DELETE_SLOT = "DELETE FROM npc_memory WHERE slot = ?"

_CONTAINERS = (list, dict)
_MISSING: Any = object()
_NOTHING: Mapping[str, Memorable] = MappingProxyType({})

SlotMap = dict[str, Memorable]


def decode_slot_memory(data: bytes) -> SlotMap:
    """A slot's stored memory (the ``memory`` column) back as a dict.

    Raises:
        ValueError: ``data`` is not the msgpack map of a slot's memory (damaged).
    """
    try:
        value = decode(data)
    except (ValueError, TypeError) as error:
        raise ValueError(str(error) or type(error).__name__) from None
    if type(value) is not dict:
        raise ValueError(f"a {type(value).__name__}, not a map of keys")
    return value


class _SlotMemory(dict[str, Memorable]):
    """One slot's memory: a dict that notes when the flush must write it."""

    __slots__ = ("changed", "live", "saved", "slot")

    def __init__(self, slot: int, owner: SqliteNpcMemory, saved: bytes | None = None) -> None:
        # (dict.__init__ is not called: the owner fills it with dict.update.)
        self.slot = slot
        self.changed = False  # in the owner's dirty list: written at the next flush
        self.live = owner  # None once the slot is dropped: later writes go nowhere
        self.saved = saved  # the map as last written (or loaded); None: no row

    def _touch(self) -> None:
        if not self.changed and self.live is not None:
            self.changed = True
            self.live.dirty.append(self)

    def __setitem__(self, key: str, value: Memorable) -> None:
        if type(key) is not str:
            raise NotPlainDataError(self.slot, repr(key), "", f"a {type(key).__name__} key")
        try:
            encode(value)  # refused here, at the script's line: the map is encoded at the flush
        except UnencodableError as bad:
            raise NotPlainDataError(self.slot, key, bad.where, bad.type_name) from None
        dict.__setitem__(self, key, value)
        if not self.changed:
            self._touch()

    def __getitem__(self, key: str) -> Memorable:
        value = dict.__getitem__(self, key)
        if not self.changed and type(value) in _CONTAINERS:
            self._touch()
        return value

    def get(self, key: str, default: Memorable = None) -> Memorable:  # type: ignore[override]
        value = dict.get(self, key, _MISSING)
        if value is _MISSING:
            return default
        if not self.changed and type(value) in _CONTAINERS:
            self._touch()
        return value

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._touch()

    def pop(self, key: str, default: Any = _MISSING) -> Any:  # type: ignore[override]
        if key in self:
            value = dict.pop(self, key)
            self._touch()
            return value
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, Memorable]:
        key, value = dict.popitem(self)
        self._touch()
        return key, value

    def clear(self) -> None:
        if self:
            self._touch()
        dict.clear(self)

    def setdefault(self, key: str, default: Memorable = None) -> Memorable:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Memorable) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> _SlotMemory:  # type: ignore[override]
        self.update(other)
        return self


class SqliteNpcMemory(dict[int, _SlotMemory]):
    """:class:`~engine_bridge.scripting.npc_memory.NpcMemory` backed by the profile's
    database; made by :meth:`Store.npc_memory <engine_bridge.store.Store.npc_memory>`.
    A dict of slots whose ``__missing__`` makes a slot's memory on first use, so
    ``memory[slot]`` for a slot in use runs no Python code.

    A slot's stored map is decoded on first use too: what the store opened or a load
    put back is kept as stored (every map was decoded once, to check it, before anything
    was replaced), and ``memory[slot]``, ``view(slot)`` or any other way of reaching it
    decodes it then (about 2 us for a few keys). The dict's own methods (``len``, ``in``,
    iteration, ``items()``...) count such slots as there, as they are."""

    def __init__(self, journal: Journal, rows: Iterable[tuple[int, bytes]]) -> None:
        """``rows``: ``(slot, memory)`` as stored.

        Raises:
            ValueError: a stored map does not decode (the database is damaged).
        """
        super().__init__()
        self._journal = journal
        self.dirty: list[_SlotMemory] = []
        self._dropped: list[int] = []
        self._stored: dict[int, bytes] = {}  # slots not decoded yet; never also in self
        self.replace_all(rows)

    def __missing__(self, slot: int) -> _SlotMemory:
        data = self._stored.pop(slot, None)
        memory = _SlotMemory(slot, self, data)
        if data is not None:
            dict.update(memory, decode_slot_memory(data))  # checked when it was loaded
        dict.__setitem__(self, slot, memory)
        return memory

    def view(self, slot: int) -> Mapping[str, Memorable]:
        """``slot``'s memory itself, read-only by contract, without making it."""
        memory = dict.get(self, slot)
        if memory is not None:
            return memory
        return self[slot] if slot in self._stored else _NOTHING

    def drop_slot(self, slot: int) -> None:
        """Forget ``slot`` (its NPC despawned): its row goes at the next flush."""
        self._stored.pop(slot, None)
        memory = dict.pop(self, slot, None)
        if memory is not None:
            memory.live = None
        self._dropped.append(slot)

    def flush(self) -> None:
        """End of frame: the frame's changes into one batch, handed to the writer."""
        self.collect()
        self._journal.flush()

    def collect(self) -> None:
        """Put what changed since the last call into the journal's current batch: the
        whole map of each slot written to (encoded now), a delete for each slot dropped
        or left empty."""
        batch = self._journal.batch
        if self._dropped:
            batch.add(DELETE_SLOT, [(slot,) for slot in self._dropped])
            self._dropped = []
        if not self.dirty:
            return
        upserts: list[tuple[Any, ...]] = []
        emptied: list[tuple[Any, ...]] = []
        for memory in self.dirty:
            memory.changed = False
            if memory.live is None:
                continue
            stored = self._encode(memory) if memory else None
            if stored is None:  # nothing left to remember: no row
                if memory.saved is not None:
                    emptied.append((memory.slot,))
                    memory.saved = None
                continue
            keys, data = stored
            upserts.append((memory.slot, keys, data))
            memory.saved = data
        self.dirty = []
        batch.add(UPSERT, upserts)
        batch.add(DELETE_SLOT, emptied)

    def replace_all(self, rows: Iterable[tuple[int, bytes]]) -> None:
        """Forget everything in Python and take ``rows``, ``(slot, memory)`` as stored
        (what the database holds, or a load put there). Each map is decoded here, to
        check it, and again on first use.

        Raises:
            ValueError: a map does not decode; nothing is replaced then.
        """
        rows = list(rows)
        for _, data in rows:
            decode_slot_memory(data)
        self.replace_checked(rows)

    def replace_checked(self, rows: Iterable[tuple[int, bytes]]) -> None:
        """:meth:`replace_all` with every map already known to decode (a load checked
        them): nothing is decoded now."""
        for memory in dict.values(self):
            memory.live = None
        dict.clear(self)
        self.dirty = []
        self._dropped = []
        self._stored = dict(rows)

    # -- the dict's own methods, counting the slots not decoded yet ----------------------

    def _decode_all(self) -> None:
        for slot in list(self._stored):
            self.__missing__(slot)

    def __contains__(self, slot: object) -> bool:
        return dict.__contains__(self, slot) or slot in self._stored

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._stored)

    def __iter__(self) -> Iterator[int]:
        self._decode_all()
        return dict.__iter__(self)

    def __reversed__(self) -> Iterator[int]:
        self._decode_all()
        return dict.__reversed__(self)

    def keys(self) -> KeysView[int]:  # type: ignore[override]
        self._decode_all()
        return dict.keys(self)

    def values(self) -> ValuesView[_SlotMemory]:  # type: ignore[override]
        self._decode_all()
        return dict.values(self)

    def items(self) -> ItemsView[int, _SlotMemory]:  # type: ignore[override]
        self._decode_all()
        return dict.items(self)

    def get(self, slot: int, default: Any = None) -> Any:  # type: ignore[override]
        memory = dict.get(self, slot)
        if memory is None and slot in self._stored:
            memory = self.__missing__(slot)
        return default if memory is None else memory

    def pop(self, slot: int, *default: Any) -> Any:  # type: ignore[override]
        if slot in self._stored:
            self.__missing__(slot)
        return dict.pop(self, slot, *default)

    def popitem(self) -> tuple[int, _SlotMemory]:
        self._decode_all()
        return dict.popitem(self)

    def setdefault(self, slot: int, default: Any = None) -> Any:  # type: ignore[override]
        return self[slot] if slot in self._stored else dict.setdefault(self, slot, default)

    def __setitem__(self, slot: int, memory: _SlotMemory) -> None:
        self._stored.pop(slot, None)
        dict.__setitem__(self, slot, memory)

    def __delitem__(self, slot: int) -> None:
        if slot in self._stored:
            self.__missing__(slot)
        dict.__delitem__(self, slot)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for slot, memory in dict(*args, **kwargs).items():
            self[slot] = memory

    def __ior__(self, other: Any) -> SqliteNpcMemory:  # type: ignore[override]
        self.update(other)
        return self

    def clear(self) -> None:
        self._stored.clear()
        dict.clear(self)

    def copy(self) -> dict[int, _SlotMemory]:
        self._decode_all()
        return dict(dict.items(self))

    def __or__(self, other: Any) -> dict[int, _SlotMemory]:  # type: ignore[override]
        return self.copy() | other

    def __ror__(self, other: Any) -> dict[int, _SlotMemory]:  # type: ignore[override]
        return other | self.copy()  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        self._decode_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._decode_all()
        return dict.__repr__(self)

    def _encode(self, memory: _SlotMemory) -> tuple[int, bytes] | None:
        """``memory``'s map as stored, with how many keys it holds (None: none). A value
        changed in place into something that cannot be kept is written as it last was
        (or left out if it never was), with a fault naming it."""
        try:
            return len(memory), encode(dict(memory))  # plain: strict msgpack refuses subclasses
        except UnencodableError:
            pass
        kept = dict(memory)
        before = decode_slot_memory(memory.saved) if memory.saved is not None else {}
        for key, value in memory.items():
            try:
                encode(value)
            except UnencodableError as bad:
                # The last good value stays on disk, and the game hears of it (never
                # silently); the game's own dict keeps what the script made.
                if key in before:
                    kept[key] = before[key]
                else:
                    del kept[key]
                self._journal.record(
                    StoreFault(
                        kind=FaultKind.NOT_PLAIN_DATA,
                        file=str(self._journal.writer.path),
                        operation="remember",
                        reason=f"{bad.type_name} at {bad.where or 'top level'} is not plain "
                        "data; the last value that was is kept",
                        field=f"slot {memory.slot} key {key!r}",
                    )
                )
        return (len(kept), encode(kept)) if kept else None
