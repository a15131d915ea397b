"""What the cloud holds of each local save slot, as far as this machine knows: the
SHA-256 of the slot file last uploaded or pulled (the **parent** of the next upload, so
that the gateway can tell a save made from the cloud's head from one made beside it), and
the file's size, mtime and inode then (so an unchanged slot is not hashed again).

It is one small JSON file per profile, ``<profile>/cloud-saves.json``, beside ``live.db``
(not in the live database: a save copies the database's tables, and the record is about
the slot files, not the play-through). It is written whole, atomically: a scratch file
synced and renamed over it. A record lost or damaged (logged) only costs a re-upload,
which the gateway answers with the save it already holds.

    {"format": 1, "slots": {"hero": {"sha256": "...", "size": 69632,
                                     "mtime_ns": 1700000000000000000, "inode": 1234}}}
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from engine_bridge.store.database_file import fsync_file, fsync_folder

__all__ = ["STATE_FILE", "CloudSlotState", "SlotRecord"]

log = logging.getLogger("aicore.sync")

STATE_FILE = "cloud-saves.json"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """One slot file as the cloud holds it: its SHA-256, and its stat when recorded."""

    sha256: str
    size: int
    mtime_ns: int
    inode: int

    def matches(self, stat: os.stat_result) -> bool:
        """Whether a file with ``stat`` is, by its size, mtime and inode, the one recorded
        (a slot is replaced by a rename: a new save is a new inode)."""
        return (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (
            self.size,
            self.mtime_ns,
            self.inode,
        )


class CloudSlotState:
    """The records of one profile folder (thread-safe; one writer process: the one that
    holds the profile's lock)."""

    def __init__(self, profile_folder: Path) -> None:
        self.path = Path(profile_folder) / STATE_FILE
        self._lock = threading.Lock()
        self._slots = self._read()

    def _read(self) -> dict[str, SlotRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            log.error("sync: %s cannot be read (%s); every slot counts as new", self.path, error)
            return {}
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise ValueError(f"format {data.get('format')!r}, not {_FORMAT}")
            return {str(slot): SlotRecord(**fields) for slot, fields in data["slots"].items()}
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.error("sync: %s is damaged (%s); every slot counts as new", self.path, error)
            return {}

    def get(self, slot: str) -> SlotRecord | None:
        """The record of ``slot``, or None (never uploaded nor pulled here)."""
        with self._lock:
            return self._slots.get(slot)

    def parent(self, slot: str) -> str | None:
        """The SHA-256 the next upload of ``slot`` was made from, as far as we know."""
        record = self.get(slot)
        return record.sha256 if record is not None else None

    def record(self, slot: str, sha256: str, stat: os.stat_result) -> None:
        """The cloud holds the file of ``slot`` with ``stat`` as ``sha256``: keep it.

        Raises:
            OSError: the file could not be written (the record in memory is kept: the next
                write may succeed; until then a restart uploads again, harmlessly).
        """
        record = SlotRecord(sha256, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        with self._lock:
            if self._slots.get(slot) == record:
                return
            self._slots[slot] = record
            data = {"format": _FORMAT, "slots": {s: asdict(r) for s, r in self._slots.items()}}
            self._write(json.dumps(data, indent=1, sort_keys=True) + "\n")

    def _write(self, text: str) -> None:
        # ".<name>-<pid>-<random>.tmp": the store clears such leftovers when it opens.
        scratch = self.path.with_name(f".cloud-saves-{os.getpid()}-{os.urandom(4).hex()}.tmp")
        try:
            scratch.write_text(text, encoding="utf-8")
            fsync_file(scratch)
            os.replace(scratch, self.path)
        except BaseException:
            scratch.unlink(missing_ok=True)
            raise
        fsync_folder(self.path.parent)
