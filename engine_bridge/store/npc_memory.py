"""NPC memory kept in the profile's database: :class:`SqliteNpcMemory`, the
:class:`~engine_bridge.scripting.npc_memory.NpcMemory` a persistent game gives its
scheduler.

Everything is loaded when the store opens, so ``memory[slot]`` and ``recall`` never
touch the disk: a slot's memory is a dict (a subclass that notes writes). ``remember``
encodes the value at once (msgpack), so a value that is not plain data fails at the
script's own line with :class:`~engine_bridge.store.errors.NotPlainDataError` naming the
key. :meth:`SqliteNpcMemory.flush`, at the end of every frame, puts the keys written
since the last flush into the frame's batch (one upsert ``executemany``, one delete
``executemany``) and hands the batch to the writer thread.

A list or dict read back (``recall``, ``memory[slot][key]``) may be changed in place by
the script, which no ``__setitem__`` sees: reading one marks its key to be encoded again
at the flush, so in-place changes persist too. (Containers reached through ``items()``
or ``values()`` are not marked: ``remember`` them again.)

Identity: memory belongs to the slot, the engine's handle of the NPC (see
docs/saves.md, "Who is who after a restart").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.store.encoding import UnencodableError, decode, encode
from engine_bridge.store.errors import FaultKind, NotPlainDataError, StoreFault
from engine_bridge.store.journal import Journal

__all__ = ["SqliteNpcMemory"]

UPSERT = (
    "INSERT INTO npc_memory(slot, key, value) VALUES (?, ?, ?) "
    "ON CONFLICT(slot, key) DO UPDATE SET value = excluded.value"
)
DELETE_KEY = "DELETE FROM npc_memory WHERE slot = ? AND key = ?"
DELETE_SLOT = "DELETE FROM npc_memory WHERE slot = ?"

_DELETED = b""  # never an encoding (msgpack writes at least one byte)
_REENCODE = None  # read as a container: encode what it holds at the flush
_CONTAINERS = (list, dict)
_MISSING: Any = object()
_NOTHING: Mapping[str, Memorable] = MappingProxyType({})


class _SlotMemory(dict[str, Memorable]):
    """One slot's memory: a dict that notes, per key, what the flush must write."""

    __slots__ = ("changes", "live", "slot")

    def __init__(self, slot: int, owner: SqliteNpcMemory) -> None:
        # (dict.__init__ is not called: there is nothing to put in yet.)
        self.slot = slot
        self.changes: dict[str, bytes | None] = {}
        self.live = owner  # None once the slot is dropped: later writes go nowhere

    def _changed(self, key: str, data: bytes | None) -> None:
        if not self.changes and self.live is not None:
            self.live.dirty.append(self)
        self.changes[key] = data

    def __setitem__(self, key: str, value: Memorable) -> None:
        if type(key) is not str:
            raise NotPlainDataError(self.slot, repr(key), "", f"a {type(key).__name__} key")
        try:
            data = encode(value)
        except UnencodableError as bad:
            raise NotPlainDataError(self.slot, key, bad.where, bad.type_name) from None
        dict.__setitem__(self, key, value)
        self._changed(key, data)

    def __getitem__(self, key: str) -> Memorable:
        value = dict.__getitem__(self, key)
        if type(value) in _CONTAINERS:
            self._changed(key, _REENCODE)
        return value

    def get(self, key: str, default: Memorable = None) -> Memorable:  # type: ignore[override]
        value = dict.get(self, key, _MISSING)
        if value is _MISSING:
            return default
        if type(value) in _CONTAINERS:
            self._changed(key, _REENCODE)
        return value

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._changed(key, _DELETED)

    def pop(self, key: str, default: Any = _MISSING) -> Any:  # type: ignore[override]
        if key in self:
            value = dict.pop(self, key)
            self._changed(key, _DELETED)
            return value
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, Memorable]:
        key, value = dict.popitem(self)
        self._changed(key, _DELETED)
        return key, value

    def clear(self) -> None:
        for key in list(self):
            self._changed(key, _DELETED)
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
    ``memory[slot]`` for a known slot runs no Python code."""

    def __init__(self, journal: Journal, rows: Iterable[tuple[int, str, bytes]]) -> None:
        super().__init__()
        self._journal = journal
        self.dirty: list[_SlotMemory] = []
        self._dropped: list[int] = []
        self._fill(rows)

    def __missing__(self, slot: int) -> _SlotMemory:
        memory = self[slot] = _SlotMemory(slot, self)
        return memory

    def view(self, slot: int) -> Mapping[str, Memorable]:
        """``slot``'s memory itself, read-only by contract, without making it."""
        return self.get(slot, _NOTHING)

    def drop_slot(self, slot: int) -> None:
        """Forget ``slot`` (its NPC despawned): its rows go at the next flush."""
        memory = self.pop(slot, None)
        if memory is not None:
            memory.live = None
        self._dropped.append(slot)

    def flush(self) -> None:
        """End of frame: the frame's changes into one batch, handed to the writer."""
        self.collect()
        self._journal.flush()

    def collect(self) -> None:
        """Put what changed since the last call into the journal's current batch."""
        batch = self._journal.batch
        if self._dropped:
            batch.add(DELETE_SLOT, [(slot,) for slot in self._dropped])
            self._dropped = []
        if not self.dirty:
            return
        upserts: list[tuple[Any, ...]] = []
        deletes: list[tuple[Any, ...]] = []
        for memory in self.dirty:
            if memory.live is None:
                continue
            slot = memory.slot
            for key, change in memory.changes.items():
                if change == _DELETED:
                    deletes.append((slot, key))
                    continue
                data = self._reencode(memory, key) if change is _REENCODE else change
                if data is not None:
                    upserts.append((slot, key, data))
            memory.changes = {}
        self.dirty = []
        batch.add(UPSERT, upserts)
        batch.add(DELETE_KEY, deletes)

    def replace_all(self, rows: Iterable[tuple[int, str, bytes]]) -> None:
        """Forget everything in Python and take ``rows`` (what a load put on disk)."""
        self.replace_decoded((slot, key, decode(data)) for slot, key, data in rows)

    def replace_decoded(self, rows: Iterable[tuple[int, str, Memorable]]) -> None:
        """:meth:`replace_all` with the values already decoded."""
        for memory in self.values():
            memory.live = None
        self.clear()
        self.dirty = []
        self._dropped = []
        self._fill_decoded(rows)

    def _fill(self, rows: Iterable[tuple[int, str, bytes]]) -> None:
        self._fill_decoded((slot, key, decode(data)) for slot, key, data in rows)

    def _fill_decoded(self, rows: Iterable[tuple[int, str, Memorable]]) -> None:
        put = dict.__setitem__
        for slot, key, value in rows:
            put(self[slot], key, value)

    def _reencode(self, memory: _SlotMemory, key: str) -> bytes | None:
        try:
            return encode(dict.__getitem__(memory, key))
        except UnencodableError as bad:
            # Changed in place into something that cannot be kept: the last good
            # value stays on disk, and the game hears of it (never silently).
            self._journal.record(
                StoreFault(
                    kind=FaultKind.NOT_PLAIN_DATA,
                    file=str(self._journal.writer.path),
                    operation="remember",
                    reason=f"{bad.type_name} at {bad.where or 'top level'} is not plain data; "
                    "the last value that was is kept",
                    field=f"slot {memory.slot} key {key!r}",
                )
            )
            return None
