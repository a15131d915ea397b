"""A signed content bundle, one file: built by the publisher, opened by the game.

A bundle is a msgpack map of three keys::

    {"manifest": bytes, "signature": bytes (64), "files": {path: bytes, ...}}

``manifest`` is :func:`~engine_bridge.sync.content_manifest.encode_manifest`'s bytes and
``signature`` the publisher's Ed25519 signature over exactly those bytes. Opening a bundle
checks, in this order: its shape, the signature (before anything the manifest says is
believed), the manifest's fields and paths, its version against the one installed, then
each file's presence, size and SHA-256. A bundle holds the publisher's whole overlay: a
file the previous version had and this one does not is gone when it is installed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import msgpack

from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal, disk_error
from engine_bridge.sync.content_manifest import (
    MAX_FILES,
    Manifest,
    ManifestFile,
    check_path,
    decode_manifest,
    encode_manifest,
)
from engine_bridge.sync.content_signing import sign, verify
from engine_bridge.sync.frames import MAX_MESSAGE_BYTES

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["MAX_BUNDLE_BYTES", "OpenedBundle", "build_bundle", "open_bundle", "read_source"]

MAX_BUNDLE_BYTES = MAX_MESSAGE_BYTES - 64 * 1024
"""The largest bundle: it travels in one ``content.bundle`` frame, with room to spare for
the frame around it."""
_KEYS = ("manifest", "signature", "files")


@dataclass(frozen=True, slots=True)
class OpenedBundle:
    """A bundle whose signature, manifest and every file were checked."""

    manifest: Manifest
    manifest_bytes: bytes
    signature: bytes
    files: Mapping[str, bytes]


def read_source(source: Path) -> dict[str, bytes]:
    """Every file under the content folder ``source``, by its ``/``-separated path.

    Raises:
        ContentPushError: ``unsafe_path`` naming a file outside the content folders or a
            symbolic link (a bundle holds files, not links), or a disk refusal.
    """
    files: dict[str, bytes] = {}
    try:
        for folder, dirs, names in os.walk(source):
            here = Path(folder)
            for name in sorted(dirs + names):
                path = here / name
                relative = path.relative_to(source).as_posix()
                if path.is_symlink():
                    raise ContentPushError(
                        ContentRefusal.UNSAFE_PATH, "a symbolic link, not a file", relative
                    )
                if name in names:
                    files[check_path(relative)] = path.read_bytes()
    except OSError as error:
        raise disk_error(error, "read the content folder") from None
    return dict(sorted(files.items()))


def build_bundle(
    files: Mapping[str, bytes],
    key: Ed25519PrivateKey,
    *,
    version: int,
    publisher: str,
    created: int | None = None,
) -> bytes:
    """The signed bundle of ``files`` (``{path: bytes}``, as :func:`read_source` gives).

    Raises:
        ContentPushError: ``unsafe_path``, ``bad_manifest`` (a version below 1, an empty
            publisher name) or ``too_large`` (more than :data:`MAX_BUNDLE_BYTES`).
    """
    entries = tuple(
        ManifestFile(check_path(path), len(data), hashlib.sha256(data).hexdigest())
        for path, data in sorted(files.items())
    )
    when = int(time.time()) if created is None else created
    manifest_bytes = encode_manifest(Manifest(publisher, version, when, entries))
    decode_manifest(manifest_bytes)  # the game's own checks, before anything is signed
    bundle = msgpack.packb(
        {"manifest": manifest_bytes, "signature": sign(manifest_bytes, key), "files": files},
        use_bin_type=True,
    )
    if len(bundle) > MAX_BUNDLE_BYTES:
        raise ContentPushError(
            ContentRefusal.TOO_LARGE,
            f"{len(bundle)} bytes, more than the {MAX_BUNDLE_BYTES} one content.bundle frame holds",
        )
    return bundle


def open_bundle(data: bytes, key: Ed25519PublicKey, *, newer_than: int = 0) -> OpenedBundle:
    """The bundle in ``data``, checked through and through; a version not above
    ``newer_than`` is refused (``not_newer``) before any file is hashed.

    Raises:
        ContentPushError: the first check that failed (its ``code`` says which).
    """
    manifest_bytes, signature, files = _split(data)
    verify(manifest_bytes, signature, key)
    manifest = decode_manifest(manifest_bytes)
    if manifest.version <= newer_than:
        raise ContentPushError(
            ContentRefusal.NOT_NEWER,
            f"version {manifest.version} is not newer than the installed {newer_than}",
        )
    listed = {f.path: f for f in manifest.files}
    for path in files:
        if path not in listed:
            raise ContentPushError(ContentRefusal.UNLISTED_FILE, "not in the manifest", path)
    for entry in manifest.files:
        content = files.get(entry.path)
        if content is None:
            raise ContentPushError(ContentRefusal.MISSING_FILE, "not in the bundle", entry.path)
        if len(content) != entry.size:
            raise ContentPushError(
                ContentRefusal.SIZE_MISMATCH,
                f"{len(content)} bytes, the manifest says {entry.size}",
                entry.path,
            )
        if hashlib.sha256(content).hexdigest() != entry.sha256:
            raise ContentPushError(
                ContentRefusal.HASH_MISMATCH, "its SHA-256 is not the manifest's", entry.path
            )
    return OpenedBundle(manifest, manifest_bytes, signature, files)


def _malformed(reason: str) -> ContentPushError:
    return ContentPushError(ContentRefusal.MALFORMED, reason)


def _split(data: bytes) -> tuple[bytes, bytes, dict[str, bytes]]:
    """The bundle's three parts, their types checked; nothing in them is believed yet."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise ContentPushError(
            ContentRefusal.TOO_LARGE, f"{len(data)} bytes, more than {MAX_BUNDLE_BYTES}"
        )
    try:
        value = msgpack.unpackb(
            data, raw=False, strict_map_key=True, max_map_len=MAX_FILES, max_array_len=0
        )
    except msgpack.ExtraData:
        raise _malformed("bytes after the bundle's map") from None
    except Exception as error:  # any way msgpack refuses: the sender's bytes, not our bug
        raise _malformed(f"not msgpack ({type(error).__name__}: {error})") from None
    if not isinstance(value, dict) or set(value) != set(_KEYS):
        raise _malformed(f"a bundle is a map of {list(_KEYS)}")
    manifest, signature, files = value["manifest"], value["signature"], value["files"]
    if not isinstance(manifest, bytes) or not isinstance(signature, bytes):
        raise _malformed("manifest and signature are bytes")
    if not isinstance(files, dict) or not all(
        isinstance(path, str) and isinstance(content, bytes) for path, content in files.items()
    ):
        raise _malformed("files is a map of path (str) to content (bytes)")
    return manifest, signature, files
