"""Content fetch: the sync client asks the gateway for a newer content bundle
(``content.get {"have": <installed version>}``) when it connects and every
``SyncTuning.content_fetch_every_s``, and installs what comes back through the game's
installer (``engine_bridge/core/content_overlay.py``: verified with the publisher's key,
checked against the game's content, all or nothing). It runs on the sync client's
transfer thread, never the game's; what it installs is read when the game next starts.

A bundle refused for a reason a retry cannot fix (another publisher's signature, a
damaged file, a content regression) is remembered for the run: the next ``content.get``
says it has that version already, so the gateway does not send the same bytes again
(a newer bundle still comes). One refused for the disk (full, read-only) is asked for
again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal
from engine_bridge.sync.frames import Frame

if TYPE_CHECKING:
    from engine_bridge.sync.content_push import InstallResult

__all__ = ["ContentFetch", "ContentInstaller"]

# Refusals that the same bundle would get again: not worth downloading it twice.
_FOR_GOOD = frozenset(ContentRefusal) - {
    ContentRefusal.DISK_FULL,
    ContentRefusal.READ_ONLY,
    ContentRefusal.IO_ERROR,
}


class ContentInstaller(Protocol):
    """What the game gives the sync client to install bundles with (the runtime's
    ``OverlayInstaller``): its installed version, and the install itself."""

    def installed_version(self) -> int:
        """The version installed now (0: none)."""
        ...

    def install(self, bundle: bytes) -> InstallResult:
        """Verify, check and install ``bundle``. Raises ContentPushError (refused; the
        installed overlay untouched) or MissingExtraError (no ``cryptography``)."""
        ...


class ContentFetch:
    """When to ask for content, what to ask, and what to do with the answer."""

    def __init__(self, installer: ContentInstaller, every_s: float) -> None:
        self._installer = installer
        self._every_s = every_s
        self._connects = -1  # the stream's connection last asked on
        self._next = 0.0
        self._refused = 0  # the highest version refused for good this run

    def due(self, connects: int, now: float) -> bool:
        """Whether to ask now: the stream connected again since the last ask, or the
        interval passed."""
        return connects != self._connects or now >= self._next

    def asked(self, connects: int, now: float, *, retry_in_s: float | None = None) -> None:
        """An answer came (or the gateway asked to wait ``retry_in_s``): the next ask is
        after the interval (or that wait)."""
        self._connects = connects
        self._next = now + (self._every_s if retry_in_s is None else retry_in_s)

    def frame(self, client: str) -> Frame:
        """The ``content.get`` frame: the installed version, or a version refused for good
        this run if higher (so the same bundle is not sent again)."""
        have = max(self._installer.installed_version(), self._refused)
        return Frame(client, 0, "content.get", {"have": have})

    def take(self, body: object) -> InstallResult | None:
        """Install the bundle a ``content.bundle`` body holds; None when it holds none
        (nothing newer).

        Raises:
            ContentPushError: the answer or the bundle was refused (its code says why).
            MissingExtraError: verifying needs the ``sync`` extra's ``cryptography``.
        """
        version, bundle = _fields(body)
        if bundle is None:
            return None
        try:
            return self._installer.install(bundle)
        except ContentPushError as error:
            if error.code in _FOR_GOOD:
                self._refused = max(self._refused, version)
            raise


def _fields(body: object) -> tuple[int, bytes | None]:
    if isinstance(body, Mapping) and body.keys() == {"version", "bundle"}:
        version, bundle = body["version"], body["bundle"]
        if version is None and bundle is None:
            return 0, None
        if type(version) is int and version >= 1 and isinstance(bundle, bytes):
            return version, bundle
    raise ContentPushError(
        ContentRefusal.MALFORMED,
        'content.bundle\'s body is {"version": int, "bundle": bin} or both nil',
    )
