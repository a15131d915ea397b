"""The runtime's link to the cloud: the sync client (``engine_bridge/sync``) started on
the profile's store, or the reason there is none, as a content problem of system
``"sync"``. The game plays on either way: offline, events wait in the outbox.

What the game thread does for sync each frame is :meth:`SyncLink.end_of_frame`: take
what the gateway acknowledged since the last frame and delete it from the outbox in the
frame's batch (before the store's hand-over). Nothing else of sync runs on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine_bridge import __version__
from engine_bridge.core.content_overlay import OverlayInstaller
from engine_bridge.store import Store
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.keys import KeyFileError
from engine_bridge.sync.metrics import SyncMetrics
from vocal.extras import MissingExtraError, import_extra

if TYPE_CHECKING:
    from engine_bridge.sync.client import SyncClient
    from engine_bridge.sync.cloud_pull import PullResult

# SyncConfig is what Runtime(sync=...) takes, CloudSaveError what Runtime.pull_save raises:
# named here too for the one module the bridge imports (native/embedding.py), whose room
# reaches sync only through core.
__all__ = ["CloudSaveError", "SyncConfig", "SyncLink"]

log = logging.getLogger("aicore.sync")

# (system, file, line, field, reason): the shape of Runtime.problems()
Problem = tuple[str, str | None, int | None, str | None, str]


class SyncLink:
    """One runtime's sync client, or why it has none (:attr:`problem`)."""

    def __init__(
        self,
        config: SyncConfig | None,
        store: Store | None,
        *,
        on_thread_start: Callable[[], None] | None = None,
        content_roots: Sequence[Path] = (),
        save_dir: Path | None = None,
    ) -> None:
        """``content_roots`` and ``save_dir``: the runtime's base content roots and save
        folder, over which fetched content bundles are checked and installed."""
        self.client: SyncClient | None = None
        self.problem: Problem | None = None
        if config is None:
            return
        if store is None:
            self._refuse(
                None, "cloud sync sends the profile's outbox: it needs the store (a save folder)"
            )
            return
        try:
            import_extra("zmq", "cloud sync")
            from engine_bridge.sync.client import SyncClient

            client = SyncClient(
                config,
                store,
                agent=f"aicore/{__version__}",
                on_thread_start=on_thread_start,
                content=_installer(config, content_roots, save_dir),
            )
        except MissingExtraError as missing:
            self._refuse(None, str(missing))
            return
        except KeyFileError as bad:
            self._refuse(str(bad.path), bad.reason)
            return
        client.start()
        self.client = client
        log.info("sync: sending %s's outbox to %s", client.client, config.endpoint)

    def _refuse(self, file: str | None, reason: str) -> None:
        self.problem = ("sync", file, None, None, f"{reason}; events stay in the outbox")
        log.error("sync is off: %s%s", f"{file}: " if file else "", self.problem[4])

    def end_of_frame(self) -> None:
        """The game thread's part of sync, once a frame before the store's hand-over."""
        if self.client is not None:
            self.client.end_of_frame()

    def pull(self, slot: str | None) -> PullResult:
        """Pull the newest cloud save (of ``slot``, or of any slot) through the client,
        waiting at most ``tuning.pull_timeout_s`` (``SyncClient.pull``).

        Raises:
            CloudSaveError: ``unavailable`` when sync is off (why: :attr:`problem`), offline
                or not in time; the other codes of ``SyncClient.pull``.
            StoreError: the slot could not be written.
        """
        if self.client is None:
            why = self.problem[4] if self.problem else "the runtime has no cloud sync"
            raise CloudSaveError(CloudSaveRefusal.UNAVAILABLE, why, slot)
        return self.client.pull(slot)

    @property
    def metrics(self) -> SyncMetrics | None:
        """The client's counters (None: sync is off)."""
        return self.client.metrics if self.client is not None else None

    def close(self) -> None:
        """Stop the client, then delete what was acknowledged since the last frame (in
        the store's last batch): before the store closes. Idempotent."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.close()
        except TimeoutError as error:  # its thread is stuck: the store must not wait on it
            log.error("sync: %s", error)
            return
        client.end_of_frame()


def _installer(
    config: SyncConfig, roots: Sequence[Path], save_dir: Path | None
) -> OverlayInstaller | None:
    """The content installer for fetched bundles, or None (no publisher key: no fetch)."""
    key = config.publisher_key_file()
    if key is None or save_dir is None:
        log.info("sync: no content publisher key (--sync-publisher-key): content is not fetched")
        return None
    if not key.is_file():
        log.error("sync: the content publisher key %s is missing: content is not fetched", key)
        return None
    return OverlayInstaller(roots, save_dir, key)
