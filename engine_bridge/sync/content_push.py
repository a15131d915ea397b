"""Installing a signed content bundle as the game's content overlay, all or nothing.

:func:`install_bundle` opens the bundle (shape, signature, manifest, version, every file's
size and SHA-256: ``content_bundle.py``), writes it into a new folder beside the installed
one and syncs it, lets ``check`` compare the content with it against the content without
it, renames it into place and only then points ``current`` at it. Every refusal is a
:class:`~engine_bridge.sync.content_errors.ContentPushError` raised before ``current``
changes: the installed overlay stays as it was and the game plays on what it has. The new
content is read when the runtime next starts (there is no hot content reload).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine_bridge.sync.content_bundle import OpenedBundle, open_bundle
from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal, disk_error
from engine_bridge.sync.content_overlay import (
    BUNDLE_META,
    VERSION_FOLDER,
    installed_version,
    overlay_roots,
    sync_folder,
    version_folder,
    write_pointer,
)
from engine_bridge.sync.content_signing import load_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["CheckProblem", "ContentCheck", "InstallResult", "install_bundle"]

log = logging.getLogger("aicore.content_push")

_INCOMING = ".incoming-"
_LOCK = ".lock"


class CheckProblem(Protocol):
    """One thing the new content would break (``engine_bridge/content/overlay_check.py``
    makes them): the file concerned, relative to the content root, and why."""

    @property
    def file(self) -> str | None: ...

    @property
    def reason(self) -> str: ...


ContentCheck = Callable[[Path | None, Path], Sequence[CheckProblem]]
"""``check(installed_root, new_root)``: what the content with ``new_root`` as its overlay
breaks that the content with ``installed_root`` (None: no overlay) did not break."""


@dataclass(frozen=True, slots=True)
class InstallResult:
    """A bundle installed: its version, the one it replaced (0: none), its content root."""

    version: int
    previous_version: int
    root: Path
    publisher: str
    files: int
    total_bytes: int


def install_bundle(
    bundle_bytes: bytes,
    publisher_public_key: Ed25519PublicKey | bytes | Path,
    overlay_root: str | Path,
    *,
    check: ContentCheck | None,
) -> InstallResult:
    """Verify ``bundle_bytes`` and install it as the overlay in ``overlay_root``.

    ``publisher_public_key`` is the key, its 32 raw bytes, PEM bytes or a key file.
    ``check`` is the game's content check (:func:`engine_bridge.core.content_overlay.
    install_pushed_content` passes one over the runtime's content roots); None skips it,
    which only a tool that checks otherwise should do.

    Raises:
        ContentPushError: the bundle was refused; what was installed is untouched.
    """
    root = Path(overlay_root)
    key = _public_key(publisher_public_key)
    # Everything the bundle says is checked before the disk is touched.
    opened = open_bundle(bundle_bytes, key, newer_than=installed_version(root))
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = _locked(root)
    except OSError as error:
        raise disk_error(error, "open the content overlay folder") from None
    with lock:
        previous = installed_version(root)  # another install may have finished meanwhile
        if opened.manifest.version <= previous:
            raise ContentPushError(
                ContentRefusal.NOT_NEWER,
                f"version {opened.manifest.version} is not newer than the installed {previous}",
            )
        _remove_leftovers(root)
        installed = overlay_roots(root)
        target = _install(root, opened, installed[0] if installed else None, check)
        _prune(root, keep={target.name, *(p.name for p in installed)})
    manifest = opened.manifest
    log.info("content overlay: version %d installed (was %d)", manifest.version, previous)
    return InstallResult(
        version=manifest.version,
        previous_version=previous,
        root=target,
        publisher=manifest.publisher,
        files=len(manifest.files),
        total_bytes=manifest.total_bytes,
    )


def _public_key(source: Ed25519PublicKey | bytes | Path) -> Ed25519PublicKey:
    if isinstance(source, bytes | Path):
        return load_public_key(source)
    return source


@contextlib.contextmanager
def _hold(fd: int) -> Iterator[None]:
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _locked(root: Path) -> contextlib.AbstractContextManager[None]:
    # One install at a time per overlay folder (two sync clients, or a tool and a game).
    fd = os.open(root / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        raise
    return _hold(fd)


def _install(
    root: Path, opened: OpenedBundle, installed: Path | None, check: ContentCheck | None
) -> Path:
    staging = root / f"{_INCOMING}{os.getpid()}-{secrets.token_hex(4)}"
    target = version_folder(root, opened.manifest.version)
    try:
        _write_tree(staging, opened)
        problems = list(check(installed, staging)) if check is not None else []
        if problems:
            reasons = "; ".join(f"{p.file or '-'}: {p.reason}" for p in problems)
            raise ContentPushError(
                ContentRefusal.CONTENT_REGRESSION,
                f"{len(problems)} problem(s) the installed content does not have: {reasons}",
                problems[0].file,
            )
        if target.exists():  # a crash after its rename, before its pointer: not installed
            shutil.rmtree(target)
        os.rename(staging, target)
        sync_folder(root)
    except OSError as error:
        _remove(staging)
        raise disk_error(error, "write the new content") from None
    except BaseException:
        _remove(staging)
        raise
    try:
        write_pointer(root, opened.manifest.version)
    except OSError as error:
        _remove(target)
        raise disk_error(error, "point the overlay at the new content") from None
    return target


def _write_tree(staging: Path, opened: OpenedBundle) -> None:
    staging.mkdir()
    folders = {staging}
    items = [*opened.files.items()]
    items += [
        (f"{BUNDLE_META}/manifest", opened.manifest_bytes),
        (f"{BUNDLE_META}/signature", opened.signature),
    ]
    for relative, data in items:
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        folders.update(p for p in path.parents if p.is_relative_to(staging))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        sync_folder(folder)


def _remove(path: Path) -> None:
    # Cleaning up after a refusal; a failure here leaves a folder no pointer names, which
    # the next install removes.
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("content overlay: could not remove %s: %s", path, error)


def _remove_leftovers(root: Path) -> None:
    try:
        leftovers = [e for e in root.iterdir() if e.name.startswith(_INCOMING) and e.is_dir()]
    except OSError as error:
        raise disk_error(error, "list the content overlay folder") from None
    for entry in leftovers:
        log.warning("content overlay: removing %s, left by an install that stopped", entry)
        _remove(entry)


def _prune(root: Path, keep: set[str]) -> None:
    """Remove version folders other than the new one and the one it replaced (a game
    started before this install may still read files from that one)."""
    try:
        old = [
            entry
            for entry in root.iterdir()
            if VERSION_FOLDER.fullmatch(entry.name) and entry.name not in keep
        ]
    except OSError as error:  # installed already: an old folder more is no failure
        log.warning("content overlay: old versions not removed: %s", error)
        return
    for entry in old:
        _remove(entry)
