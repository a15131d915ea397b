"""Cloud saves, uploading: which of the profile's slot files the cloud does not hold yet,
the ``save.put`` frame that uploads one, and what the gateway's ``save.stored`` means
(``docs/sync.md``, "Cloud saves").

A slot needs uploading when its file is not the one :class:`CloudSlotState` recorded as
uploaded or pulled (its size, mtime and inode first, then its SHA-256: a file rewritten
with the same bytes is not sent again). The upload names as its parent the SHA-256
recorded for the slot, so the gateway can tell a save made from the cloud's head from one
made beside it (a conflict: both are kept). Nothing here touches the network or runs on the
game thread: the transfer thread (``transfers.py``) calls it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.store.errors import StoreError
from engine_bridge.store.paths import ProfilePaths, check_name
from engine_bridge.sync.cloud_slot_state import CloudSlotState
from engine_bridge.sync.frames import MAX_MESSAGE_BYTES, Frame

__all__ = ["MAX_SAVE_BYTES", "SlotFile", "Uploads", "read_slot_file"]

log = logging.getLogger("aicore.sync")

MAX_SAVE_BYTES = MAX_MESSAGE_BYTES - 64 * 1024
"""The largest save file that travels: one frame of one message, with room for the
frame's other fields (a ``save.data`` answer carries a little more than a ``save.put``)."""


@dataclass(frozen=True, slots=True)
class SlotFile:
    """A slot file read whole: its bytes, their SHA-256, the save's time (from its own
    ``save_info`` row) and the file's stat when read."""

    slot: str
    data: bytes
    sha256: str
    saved_at: float
    stat: os.stat_result


def _saved_at(data: bytes) -> float:
    """The ``saved_at`` of the save ``data`` (read from the bytes themselves, not from the
    file, which a new save may have replaced since). Raises ValueError if it has none."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(data)
        row = conn.execute("SELECT saved_at FROM save_info WHERE id = 1").fetchone()
    except sqlite3.Error as error:
        raise ValueError(f"not a save ({type(error).__name__}: {error})") from None
    finally:
        conn.close()
    if row is None or not isinstance(row[0], int | float):
        raise ValueError("not a save (no save_info row)")
    return float(row[0])


def read_slot_file(path: Path, slot: str) -> SlotFile:
    """Read the slot file ``path`` whole (one open file: a save renamed over it meanwhile
    is not mixed in).

    Raises:
        OSError: the file cannot be read (or vanished).
        ValueError: it is not a save.
    """
    with path.open("rb") as file:
        stat = os.fstat(file.fileno())
        data = file.read()
    saved_at = _saved_at(data)
    return SlotFile(slot, data, hashlib.sha256(data).hexdigest(), saved_at, stat)


class Uploads:
    """The profile's slots as the cloud should hold them: what to upload next."""

    def __init__(self, paths: ProfilePaths, state: CloudSlotState, client: str) -> None:
        self._paths = paths
        self._state = state
        self._client = client
        self._given_up: dict[str, tuple[int, int, int]] = {}
        """slot -> (size, mtime, inode) of a file not to send again (too large, refused as
        malformed, not a save): until the slot's file changes (not even read again)."""

    def next_upload(self) -> SlotFile | SlotProblem | None:
        """The first slot (by name) whose file the cloud does not hold, read whole; a
        :class:`SlotProblem` for one that cannot be sent (to count and log: it is not
        offered again until its file changes); None when the cloud holds every slot."""
        for path in sorted(self._paths.slots.glob("*.db")):
            slot = path.name.removesuffix(".db")
            if slot.endswith(".previous"):
                continue  # a generation a later save replaced: the cloud had its turn
            try:
                check_name(slot, "slot", self._paths.root)
                stat = path.stat()
            except (StoreError, OSError):
                continue  # not a slot of ours, or gone since the listing
            if self._settled(slot, stat):
                continue
            found = self._read(path, slot)
            if found is not None:
                return found
        return None

    def _settled(self, slot: str, stat: os.stat_result) -> bool:
        """Whether the file of ``slot`` with ``stat`` needs nothing: the one the cloud is
        known to hold, or one given up on."""
        record = self._state.get(slot)
        if record is not None and record.matches(stat):
            return True
        return self._given_up.get(slot) == _identity(stat)

    def _read(self, path: Path, slot: str) -> SlotFile | SlotProblem | None:
        try:
            read = read_slot_file(path, slot)
        except OSError:
            return None  # replaced or deleted while we looked: the next scan sees it
        except ValueError as error:
            return self._problem(slot, _stat_of(path), "unreadable", str(error))
        if self._state.parent(slot) == read.sha256:
            # The same bytes as recorded (the file was touched, not changed): just restat.
            self._record(slot, read)
            return None
        if len(read.data) > MAX_SAVE_BYTES:
            reason = f"{len(read.data)} bytes, more than one message carries ({MAX_SAVE_BYTES})"
            return self._problem(slot, read.stat, "too_large", reason)
        return read

    def _problem(
        self, slot: str, stat: os.stat_result | None, code: str, reason: str
    ) -> SlotProblem:
        if stat is not None:
            self._given_up[slot] = _identity(stat)
        return SlotProblem(slot, code, reason)

    def give_up(self, upload: SlotFile) -> None:
        """Do not offer ``upload`` again (the gateway refused it for good)."""
        self._given_up[upload.slot] = _identity(upload.stat)

    def put_frame(self, upload: SlotFile) -> Frame:
        """The ``save.put`` frame of ``upload``, its parent the slot's recorded SHA-256."""
        body = {
            "slot": upload.slot,
            "saved_at": upload.saved_at,
            "sha256": upload.sha256,
            "parent_sha256": self._state.parent(upload.slot),
            "data": upload.data,
        }
        return Frame(self._client, 0, "save.put", body)

    def stored(self, upload: SlotFile, body: Mapping[str, object]) -> str | None:
        """The gateway's ``save.stored`` for ``upload``: record it as the slot's parent;
        returns the ``conflict_of`` (the head it was uploaded beside), or None.

        Raises:
            ValueError: the body is not about ``upload``.
        """
        if body.get("slot") != upload.slot or body.get("sha256") != upload.sha256:
            raise ValueError(f"a save.stored about another save: {dict(body)!r}")
        conflict_of = body.get("conflict_of")
        self._record(upload.slot, upload)
        return conflict_of if isinstance(conflict_of, str) else None

    def _record(self, slot: str, upload: SlotFile) -> None:
        try:
            self._state.record(slot, upload.sha256, upload.stat)
        except OSError as error:  # kept in memory; a restart may upload again (harmless)
            log.error("sync: %s cannot be written: %s", self._state.path, error)


@dataclass(frozen=True, slots=True)
class SlotProblem:
    """A slot file that cannot be uploaded: ``code`` (``too_large``, ``unreadable``)."""

    slot: str
    code: str
    reason: str


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    """A file as a rename-replaced slot tells files apart: size, mtime, inode."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def _stat_of(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None
