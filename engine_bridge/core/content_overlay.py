"""The content overlay pushed bundles install, seen from the runtime: where it lives in
the save folder, the content roots the runtime layers with it, and the one call that
installs a bundle after the game's own content check.

The overlay is ``<save_dir>/content-overlay/`` (``engine_bridge/sync/content_overlay.py``
describes its layout): its installed version is layered over the runtime's content roots,
last, when the runtime starts. A bundle installed while a game runs is read when the game
next starts; the running game keeps the content it started with.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from engine_bridge.sync.content_overlay import installed_version, overlay_roots

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from engine_bridge.sync.content_push import InstallResult

__all__ = [
    "OVERLAY_FOLDER",
    "OverlayInstaller",
    "install_pushed_content",
    "overlay_folder",
    "with_overlay",
]

OVERLAY_FOLDER = "content-overlay"
"""The overlay's folder in the save root, beside the profiles (whose names have no room
for a clash: a profile's files are ``live.db``, ``lock``, ``slots/``, ``tmp/``)."""


def overlay_folder(save_dir: str | Path) -> Path:
    """The content overlay folder of a save root."""
    return Path(save_dir) / OVERLAY_FOLDER


def with_overlay(roots: Sequence[Path], save_dir: Path | None) -> tuple[Path, ...]:
    """``roots``, then the installed overlay of ``save_dir`` if there is one."""
    if save_dir is None:
        return tuple(roots)
    return (*roots, *overlay_roots(overlay_folder(save_dir)))


def install_pushed_content(
    bundle: bytes,
    publisher_key: Ed25519PublicKey | bytes | Path,
    *,
    base_roots: Sequence[Path],
    save_dir: str | Path,
) -> InstallResult:
    """Verify and install ``bundle`` as the overlay of ``save_dir``, refusing it if,
    layered over ``base_roots`` (a runtime's ``base_content_roots``), it would turn a
    content system off or add content errors. It takes effect at the next start.

    Raises:
        ContentPushError: the bundle was refused; the installed overlay is untouched.
    """
    from engine_bridge.content.overlay_check import overlay_regressions
    from engine_bridge.sync.content_push import install_bundle

    check = partial(overlay_regressions, tuple(base_roots))
    return install_bundle(bundle, publisher_key, overlay_folder(save_dir), check=check)


class OverlayInstaller:
    """What the sync client installs fetched bundles with (``ContentInstaller`` of
    ``engine_bridge/sync/content_fetch.py``): :func:`install_pushed_content` over a
    runtime's base content roots and save folder, with the publisher's key file. Called
    on the sync client's transfer thread."""

    def __init__(self, base_roots: Sequence[Path], save_dir: Path, publisher_key: Path) -> None:
        self._base_roots = tuple(base_roots)
        self._save_dir = Path(save_dir)
        self._publisher_key = Path(publisher_key)

    def installed_version(self) -> int:
        """The version installed in the save folder now (0: none)."""
        return installed_version(overlay_folder(self._save_dir))

    def install(self, bundle: bytes) -> InstallResult:
        """Verify, check and install ``bundle``; it is read at the next start.

        Raises:
            ContentPushError: refused (the installed overlay untouched).
            MissingExtraError: no ``cryptography`` (the ``sync`` extra).
        """
        return install_pushed_content(
            bundle, self._publisher_key, base_roots=self._base_roots, save_dir=self._save_dir
        )
