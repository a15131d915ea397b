"""Cloud saves, pulling: the ``save.get`` frame, the gateway's ``save.data`` checked
(its SHA-256, then the checks a load makes), and the save written into the profile's
slots without ever losing a local save (``docs/sync.md``, "Cloud saves").

Where the pulled save goes, decided on the store's writer thread (where every save of the
profile is written, so none slips in between the decision and the write):

* the slot does not exist here: it is written as the slot (``new``);
* the local slot is that very file: nothing is written (``unchanged``);
* the local slot is the save the cloud's was made from (its ``parent_sha256``), or the one
  the cloud last had from here and the cloud's save is no conflict: the cloud's save
  replaces it, the local one kept as the slot's previous generation (it is in the cloud
  too) (``replaced``);
* otherwise the local slot is kept as it is and the cloud's save is written beside it as
  ``<slot>-cloud`` (``-cloud-2``... if that name holds another save) (``kept_local``).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import math
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.store import FaultKind, SaveInfo, Store, StoreError, StoreFault
from engine_bridge.store.paths import ProfilePaths
from engine_bridge.store.saves import find_saves
from engine_bridge.store.slot_import import install_slot_bytes
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.cloud_slot_state import CloudSlotState
from engine_bridge.sync.frames import Frame

__all__ = [
    "CLOUD_SUFFIX",
    "PullOutcome",
    "PullResult",
    "PulledSave",
    "get_frame",
    "install_pulled",
    "parse_save_data",
    "pulled_from",
]

log = logging.getLogger("aicore.sync")

CLOUD_SUFFIX = "-cloud"
"""Appended to a slot's name for a pulled save that must not replace the local one."""
_MAX_SLOT = 64
_DATA_KEYS = frozenset(
    {"slot", "saved_at", "sha256", "parent_sha256", "stream", "conflict_of", "data"}
)


class PullOutcome(enum.StrEnum):
    """What a pull did to the profile's slots."""

    NEW = "new"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    KEPT_LOCAL = "kept_local"


@dataclass(frozen=True, slots=True)
class PulledSave:
    """A ``save.data`` answer, checked: its bytes are the SHA-256 it names."""

    slot: str
    saved_at: float
    sha256: str
    parent_sha256: str | None
    stream: str
    conflict_of: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class PullResult:
    """A pull done: what it did, and where the cloud's save now is (:attr:`info`, the
    slot to load)."""

    outcome: PullOutcome
    slot: str
    """The cloud save's slot."""
    info: SaveInfo
    """The local slot holding the cloud's save (``info.slot``: ``slot`` or
    ``<slot>-cloud``...)."""
    sha256: str
    stream: str
    """Who uploaded it (``"<key name>/<stream id>"``: which machine)."""
    conflict_of: str | None
    """The cloud save was uploaded over this one, not made from it (both kept there)."""
    local_sha256: str | None
    """The local slot's SHA-256 before the pull (None: there was none)."""


def get_frame(client: str, slot: str | None) -> Frame:
    """The ``save.get`` frame for the newest cloud save (of ``slot``, or of any slot)."""
    return Frame(client, 0, "save.get", {"slot": slot})


def _corrupt(reason: str, slot: str | None) -> CloudSaveError:
    return CloudSaveError(CloudSaveRefusal.CORRUPT, reason, slot)


def parse_save_data(body: object, asked: str | None) -> PulledSave:
    """The save a ``save.data`` body holds, its bytes checked against its SHA-256.

    Raises:
        CloudSaveError: ``corrupt``: not the body's shape, another slot than ``asked``,
            or bytes whose SHA-256 is not the one named.
    """
    if not isinstance(body, dict) or body.keys() != _DATA_KEYS:
        raise _corrupt(f"save.data's body is a map of {sorted(_DATA_KEYS)}", asked)
    slot, sha256, data = body["slot"], body["sha256"], body["data"]
    saved_at, parent, stream, conflict = (
        body["saved_at"],
        body["parent_sha256"],
        body["stream"],
        body["conflict_of"],
    )
    shapes = (
        isinstance(slot, str),
        isinstance(sha256, str),
        isinstance(data, bytes),
        isinstance(saved_at, int | float) and math.isfinite(saved_at),
        parent is None or isinstance(parent, str),
        isinstance(stream, str),
        conflict is None or isinstance(conflict, str),
    )
    if not all(shapes):
        raise _corrupt(f"save.data's fields are not of their types: {_summary(body)}", asked)
    if asked is not None and slot != asked:
        raise _corrupt(f"asked for slot {asked!r}, the gateway sent {slot!r}", asked)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise _corrupt(f"the data's SHA-256 is {actual}, not {sha256} as sent", slot)
    return PulledSave(slot, float(saved_at), sha256, parent, stream, conflict, data)


def pulled_from(answer: Frame, asked: str | None) -> PulledSave:
    """The save the gateway's answer to ``save.get`` holds.

    Raises:
        CloudSaveError: ``no_such_save``; ``unavailable`` (the gateway's store is down, or
            the key is over its rate: try later); ``refused`` (any other refusal, or an
            answer that is not ``save.data``); ``corrupt`` (:func:`parse_save_data`).
    """
    if answer.kind == "save.data":
        return parse_save_data(answer.body, asked)
    if answer.kind == "sync.reject" and isinstance(answer.body, Mapping):
        code, reason = answer.body.get("code"), answer.body.get("reason")
        refusal = _REFUSALS.get(str(code), CloudSaveRefusal.REFUSED)
        raise CloudSaveError(refusal, f"the gateway refused ({code}): {reason}", asked)
    raise CloudSaveError(CloudSaveRefusal.REFUSED, f"{answer.kind} in answer to save.get", asked)


_REFUSALS = {
    "no_such_save": CloudSaveRefusal.NO_SUCH_SAVE,
    "unavailable": CloudSaveRefusal.UNAVAILABLE,
    "rate_limited": CloudSaveRefusal.UNAVAILABLE,
}


def _summary(body: Mapping[str, object]) -> str:
    return ", ".join(
        f"{key}: {type(value).__name__}" for key, value in sorted(body.items(), key=str)
    )


def install_pulled(store: Store, state: CloudSlotState, pulled: PulledSave) -> PullResult:
    """Write ``pulled`` into ``store``'s slots as the module's docstring says (on the
    store's writer thread; the caller waits), and record it as its slot's parent.

    Raises:
        CloudSaveError: ``corrupt``: the bytes are not a save a load would take (nothing
            was written).
        StoreError: ``bad_path`` (a slot name the store refuses), a disk refusal.
    """
    paths = store.paths

    def task(_: sqlite3.Connection) -> tuple[PullOutcome, SaveInfo, str | None, os.stat_result]:
        return _place(paths, state, pulled)

    try:
        outcome, info, local, stat = store.run_write(task)
    except StoreError as error:
        if error.kind in (FaultKind.CORRUPT, FaultKind.SCHEMA):
            raise _corrupt(f"not a sound save: {error.fault.reason}", pulled.slot) from None
        raise
    try:
        state.record(info.slot, pulled.sha256, stat)
    except OSError as error:
        # The slot is written; without the record its next upload names no parent (the
        # gateway then flags it as a conflict: nothing is lost). Said in the log.
        log.error("sync: %s cannot be written: %s", state.path, error)
    return PullResult(
        outcome,
        pulled.slot,
        info,
        pulled.sha256,
        pulled.stream,
        pulled.conflict_of,
        local,
    )


def _place(
    paths: ProfilePaths, state: CloudSlotState, pulled: PulledSave
) -> tuple[PullOutcome, SaveInfo, str | None, os.stat_result]:
    """On the writer thread: where ``pulled`` goes, and it written there."""
    target = paths.slot(pulled.slot)
    local = _sha256_of(target)
    named = f"cloud save {pulled.slot!r} {pulled.sha256}"
    if local is None:
        outcome, slot = PullOutcome.NEW, pulled.slot
    elif local == pulled.sha256:
        return PullOutcome.UNCHANGED, _info(paths, pulled.slot), local, target.stat()
    elif local == pulled.parent_sha256 or (
        local == state.parent(pulled.slot) and pulled.conflict_of is None
    ):
        outcome, slot = PullOutcome.REPLACED, pulled.slot
    else:
        outcome, slot = PullOutcome.KEPT_LOCAL, _beside(paths, pulled)
        if _sha256_of(paths.slot(slot)) == pulled.sha256:  # pulled before, kept beside
            return outcome, _info(paths, slot), local, paths.slot(slot).stat()
    info = install_slot_bytes(paths, pulled.data, slot, named=named, operation="pull")
    return outcome, info, local, paths.slot(slot).stat()


def _beside(paths: ProfilePaths, pulled: PulledSave) -> str:
    """``<slot>-cloud``, or ``-cloud-2``... : the first that is free or holds this save."""
    for number in range(1, 1000):
        suffix = CLOUD_SUFFIX if number == 1 else f"{CLOUD_SUFFIX}-{number}"
        name = pulled.slot[: _MAX_SLOT - len(suffix)] + suffix
        sha = _sha256_of(paths.slot(name))
        if sha is None or sha == pulled.sha256:
            return name
    raise StoreError(  # a thousand pulled conflicts of one slot: something is looping
        _fault(paths, pulled.slot, "a thousand '-cloud' slots of it exist already")
    )


def _fault(paths: ProfilePaths, slot: str, reason: str) -> StoreFault:
    return StoreFault(FaultKind.IO, str(paths.slots), "pull", reason, slot)


def _sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _info(paths: ProfilePaths, slot: str) -> SaveInfo:
    for info in find_saves(paths):
        if info.slot == slot and not info.previous:
            return info
    raise StoreError(_fault(paths, slot, "the slot vanished while it was pulled"))
