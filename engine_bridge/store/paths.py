"""Where a profile's files live, and the check that keeps every one of them inside the
save root.

The save root is the game's (a folder it chose); profile and slot names come from
scripts and the engine, so they are checked before any file is touched: a name is
1-64 characters of letters, digits, ``_`` and ``-`` (no dots, so no ``..``, no
extension games), not a name Windows reserves for a device (``CON``, ``NUL``,
``COM1``...), no NUL byte, no separator, not absolute. And since a folder inside the root
could be a symlink pointing out, every path is resolved and must still lie under the
resolved root. Each refusal is a :class:`StoreError` of kind ``bad_path`` that says which
rule the name broke.

Layout of a profile (``<root>/<profile>/``)::

    live.db                 the continuous state (WAL): memory, story, outbox
    lock                    held (flock) while a store has the profile open
    slots/<slot>.db         a save: a self-contained copy of the live state
    slots/<slot>.previous.db  the slot's save before the last one (kept when a save
                            replaces it, so a damaged save still has a sound elder)
    tmp/                    loads being checked (scratch files, ``.*.tmp`` in any
                            of these folders, are cleared at open)
    cloud-saves.json        what the cloud holds of each slot, when cloud sync is on
                            (``engine_bridge/sync/cloud_slot_state.py``)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.store.errors import FaultKind, StoreError, StoreFault, fault_from_exception

__all__ = ["DEFAULT_PROFILE", "ProfilePaths", "check_name"]

DEFAULT_PROFILE = "default"
"""The profile a runtime, the host and ``aicore saves`` use when none is named."""

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_MAX_NAME = 64
# Device names Windows resolves in every folder, whatever the extension: a save named
# "con" would open the console on a player's machine.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def _bad(name: object, what: str, reason: str, file: Path | str) -> StoreError:
    return StoreError(
        StoreFault(
            kind=FaultKind.BAD_PATH,
            file=str(file),
            operation=f"check {what} name",
            reason=reason,
            field=repr(name),
        )
    )


def check_name(name: object, what: str, root: Path | str) -> str:
    """``name`` if it is a safe profile or slot name (``what`` says which, for the
    error); otherwise a :class:`StoreError` saying which rule it broke."""
    if not isinstance(name, str):
        raise _bad(name, what, f"a {what} name is a str, not {type(name).__name__}", root)
    rules = (
        (not name, "is empty"),
        ("\0" in name, "contains a NUL byte"),
        (
            name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) is not None,
            "is an absolute path",
        ),
        (".." in name, "refers to a parent folder ('..')"),
        ("/" in name or "\\" in name, "contains a path separator"),
        (len(name) > _MAX_NAME, f"is longer than {_MAX_NAME} characters"),
        (name.split(".")[0].lower() in _RESERVED, "is a name Windows reserves for a device"),
        (_NAME.fullmatch(name) is None, "may hold only letters, digits, '_' and '-'"),
    )
    for broken, reason in rules:
        if broken:
            raise _bad(name, what, f"the {what} name {reason}", root)
    return name


def _inside(path: Path, root: Path, what: str, name: str) -> Path:
    """``path`` if, with every symlink followed, it still lies under ``root``."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise _bad(name, what, f"{path} leads out of the save root (to {resolved})", path)
    return path


@dataclass(frozen=True)
class ProfilePaths:
    """The files of one profile, every one checked to lie under the save root."""

    root: Path
    profile: str
    folder: Path

    @classmethod
    def under(cls, save_root: Path | str, profile: str) -> ProfilePaths:
        """The profile's folder under ``save_root`` (both made if missing).

        Raises:
            StoreError: ``bad_path`` if the name is not allowed or the folder (through a
                symlink) lies outside the root; ``read_only``/``disk_full``/``io`` if the
                folders cannot be made.
        """
        root = Path(save_root)
        check_name(profile, "profile", root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            resolved_root = root.resolve(strict=True)
            folder = _inside(root / profile, resolved_root, "profile", profile)
            folder.mkdir(exist_ok=True)
            paths = cls(resolved_root, profile, folder.resolve())
            for sub in (paths.slots, paths.tmp):
                _inside(sub, resolved_root, "profile", profile).mkdir(exist_ok=True)
        except OSError as error:
            raise StoreError(fault_from_exception(error, root / profile, "open")) from error
        return paths

    @property
    def live(self) -> Path:
        return self.folder / "live.db"

    @property
    def lock(self) -> Path:
        return self.folder / "lock"

    @property
    def slots(self) -> Path:
        return self.folder / "slots"

    @property
    def tmp(self) -> Path:
        return self.folder / "tmp"

    def slot(self, name: str, *, previous: bool = False) -> Path:
        """A slot's file (``previous``: the save it replaced), checked.

        Raises:
            StoreError: ``bad_path`` for a name that is not allowed or a slot file that
                is a symlink leading out of the save root.
        """
        check_name(name, "slot", self.root)
        suffix = ".previous.db" if previous else ".db"
        return _inside(self.slots / f"{name}{suffix}", self.root, "slot", name)

    def temporary(self, stem: str, beside: Path | None = None) -> Path:
        """A fresh scratch file (the store's own names, never a caller's) in ``beside``
        (default ``tmp/``), created empty so that a read-only folder says so at once.
        A file meant to be renamed into a folder is made in that folder: a rename is
        atomic only within one file system.

        Raises:
            OSError: the folder is read-only, full...
        """
        path = (beside or self.tmp) / f".{stem}-{os.getpid()}-{os.urandom(4).hex()}.tmp"
        path.touch(exist_ok=False)
        return path
