"""The content bundles the gateway serves: a folder of signed bundle files, the newest
answered to a client's ``content.get`` (``docs/sync.md``, "Content push").

The gateway never signs and never needs the publisher's key: the publisher signs a bundle
offline (``aicore content bundle``) and puts the file in the folder; the game verifies it.
The gateway reads only a bundle's version (from its manifest) to know which is newest.
Publish a bundle by writing it under another name and renaming it to ``<name>.bundle``:
files whose names start with ``.`` or do not end in ``.bundle`` are not looked at, so a
half-copied file is never served. A file that is not a readable bundle is logged, counted
in :attr:`ContentBundles.unreadable` and left out; so is the later (by name) of two files
with the same version.

A client's ``content.get`` body is ``{"have": N}`` (its installed version, 0 for none);
:meth:`ContentBundles.answer` gives the ``content.bundle`` body: ``{"version": M,
"bundle": bytes}`` with the newest bundle when ``M > N``, else ``{"version": None,
"bundle": None}`` (also when the newest file vanished between listing and reading:
logged, and the client asks again later).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import msgpack

from engine_bridge.sync.frames import MAX_MESSAGE_BYTES, FrameError, Refusal

__all__ = ["MAX_BUNDLE_BYTES", "ContentBundles"]

log = logging.getLogger(__name__)

MAX_BUNDLE_BYTES = MAX_MESSAGE_BYTES - 64 * 1024
"""A bundle travels in one frame; the game refuses a larger one (its content_bundle.py)."""
_SUFFIX = ".bundle"
_Stamp = tuple[int, int]  # (mtime_ns, size): a file changed since it was read


class ContentBundles:
    """The bundle files of ``folder``, by version. Call from the gateway's loop only."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.unreadable = 0
        """Bundle files left out (not a bundle, too large, a version taken): each logged."""
        self._versions: dict[str, tuple[_Stamp, int | None]] = {}
        self._reported: set[tuple[str, _Stamp]] = set()  # duplicates, logged once each

    def versions(self) -> dict[int, Path]:
        """Every servable bundle file, by version (the folder is read again each call;
        a file is parsed again only when its size or modification time changed)."""
        seen: dict[str, _Stamp] = {}
        try:
            entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except FileNotFoundError:
            entries = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.endswith(_SUFFIX):
                continue
            if entry.is_file():
                stat = entry.stat()
                seen[entry.name] = (stat.st_mtime_ns, stat.st_size)
        for name in set(self._versions) - set(seen):
            del self._versions[name]
        by_version: dict[int, Path] = {}
        for name, stamp in seen.items():
            known = self._versions.get(name)
            if known is None or known[0] != stamp:
                known = (stamp, self._read_version(self.folder / name, stamp[1]))
                self._versions[name] = known
            version = known[1]
            if version is None:
                continue
            if version in by_version:
                if (name, stamp) not in self._reported:
                    self._reported.add((name, stamp))
                    self._left_out(name, f"version {version} is {by_version[version].name}'s too")
                continue
            by_version[version] = self.folder / name
        return by_version

    def latest(self, after_version: int) -> bytes | None:
        """The newest bundle's bytes if its version is above ``after_version``, else None."""
        newest = self._newest(after_version)
        return None if newest is None else newest[1]

    def answer(self, body: object) -> dict[str, object]:
        """The ``content.bundle`` body for a ``content.get`` body ``{"have": N}``.

        Raises:
            FrameError: ``malformed``: the body is not ``{"have": int >= 0}``.
        """
        have = body.get("have") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) != {"have"} or type(have) is not int:
            raise FrameError(Refusal.MALFORMED, 'content.get\'s body is {"have": int}')
        if have < 0:
            raise FrameError(Refusal.MALFORMED, "content.get's have is 0 or above")
        newest = self._newest(have)
        if newest is None:
            return {"version": None, "bundle": None}
        return {"version": newest[0], "bundle": newest[1]}

    def _newest(self, after_version: int) -> tuple[int, bytes] | None:
        versions = self.versions()
        newest = max(versions, default=0)
        if newest <= after_version:
            return None
        path = versions[newest]
        try:
            return newest, path.read_bytes()
        except OSError as error:  # removed or replaced since the folder was read
            self._left_out(path.name, f"cannot be read: {error.strerror or error}")
            return None

    def _read_version(self, path: Path, size: int) -> int | None:
        if size > MAX_BUNDLE_BYTES:
            self._left_out(path.name, f"{size} bytes, more than {MAX_BUNDLE_BYTES}")
            return None
        try:
            bundle = msgpack.unpackb(path.read_bytes(), raw=False)
            manifest = msgpack.unpackb(bundle["manifest"], raw=False)
            version = manifest["version"]
        except OSError as error:
            self._left_out(path.name, f"cannot be read: {error.strerror or error}")
            return None
        except Exception as error:  # any way the bytes are not a bundle: the file's fault
            self._left_out(path.name, f"not a bundle ({type(error).__name__}: {error})")
            return None
        if type(version) is not int or version < 1:
            self._left_out(path.name, f"its manifest's version is {version!r}")
            return None
        return version

    def _left_out(self, name: str, reason: str) -> None:
        self.unreadable += 1
        log.error("content bundle %s left out: %s", self.folder / name, reason)
