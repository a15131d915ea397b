"""The publisher's Ed25519 key pair: made and signed with offline (``aicore content keygen``
and ``bundle``), its public half given to the game, which verifies every bundle with it.

Key files are PEM: ``<name>.ed25519`` the private key (PKCS#8, mode 0600, never leaves the
publisher's machine), ``<name>.ed25519.pub`` the public key (SubjectPublicKeyInfo). The
``cryptography`` package comes with the ``sync`` extra; it is imported when a key is used,
so a game that never receives content never imports it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal, disk_error
from vocal.extras import import_extra

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "PRIVATE_SUFFIX",
    "PUBLIC_SUFFIX",
    "generate_key_pair",
    "load_private_key",
    "load_public_key",
    "public_key_bytes",
    "sign",
    "verify",
]

PRIVATE_SUFFIX = ".ed25519"
PUBLIC_SUFFIX = ".ed25519.pub"
SIGNATURE_BYTES = 64
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_PURPOSE = "signing and verifying content bundles"


def _ed25519() -> ModuleType:
    return import_extra("cryptography.hazmat.primitives.asymmetric.ed25519", _PURPOSE)


def _serialization() -> ModuleType:
    return import_extra("cryptography.hazmat.primitives.serialization", _PURPOSE)


def generate_key_pair(name: str, folder: Path) -> tuple[Path, Path]:
    """A new key pair in ``folder``: ``(private key file, public key file)``.

    Raises:
        ContentPushError: ``bad_key`` (a name that is not 1-64 letters, digits, ``_.-``),
            ``exists`` (either file is there already: a key is never overwritten), or a
            disk refusal.
    """
    if _NAME.fullmatch(name) is None:
        raise ContentPushError(
            ContentRefusal.BAD_KEY, "a key name is 1-64 letters, digits, '_', '.', '-'", name
        )
    private_path, public_path = (
        folder / f"{name}{PRIVATE_SUFFIX}",
        folder / f"{name}{PUBLIC_SUFFIX}",
    )
    for path in (private_path, public_path):
        if path.exists():
            raise ContentPushError(
                ContentRefusal.EXISTS, "a key file is never overwritten", str(path)
            )
    ser = _serialization()
    key = _ed25519().Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    public_pem = key.public_key().public_bytes(
        ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_new(private_path, private_pem, 0o600)
        _write_new(public_path, public_pem, 0o644)
    except OSError as error:
        raise disk_error(error, "write the key pair") from None
    return private_path, public_path


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: created with its mode from the first byte, never opened over another file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have taken bits away from the public file


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key in ``path`` (PEM, PKCS#8); ``bad_key`` if it is not one."""
    key = _load(path, private=True)
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise ContentPushError(ContentRefusal.BAD_KEY, "not an Ed25519 private key", str(path))
    return key


def load_public_key(source: Path | bytes) -> Ed25519PublicKey:
    """The public key in a file, or given as PEM bytes or the 32 raw bytes; ``bad_key``
    if it is not an Ed25519 public key."""
    ed25519 = _ed25519()
    if isinstance(source, bytes) and len(source) == 32:
        return ed25519.Ed25519PublicKey.from_public_bytes(source)
    key = _load(source, private=False)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ContentPushError(ContentRefusal.BAD_KEY, "not an Ed25519 public key", str(source))
    return key


def _load(source: Path | bytes, *, private: bool) -> object:
    ser = _serialization()
    where = None if isinstance(source, bytes) else str(source)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise ContentPushError(
            ContentRefusal.BAD_KEY, f"cannot be read: {error.strerror or error}", where
        ) from None
    try:
        if private:
            return ser.load_pem_private_key(data, password=None)
        return ser.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ContentPushError(ContentRefusal.BAD_KEY, f"not a PEM key: {error}", where) from None


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The key's 32 raw bytes (how a game can embed the publisher's key)."""
    ser = _serialization()
    return key.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)


def sign(data: bytes, key: Ed25519PrivateKey) -> bytes:
    """The 64-byte Ed25519 signature of ``data``."""
    return key.sign(data)


def verify(data: bytes, signature: bytes, key: Ed25519PublicKey) -> None:
    """Return if ``signature`` is ``key``'s over ``data``; else ``bad_signature`` (a
    signature by another key and altered bytes are the same refusal: neither can be told
    from the other, and neither is trusted)."""
    invalid = import_extra("cryptography.exceptions", _PURPOSE).InvalidSignature
    if len(signature) != SIGNATURE_BYTES:
        raise ContentPushError(
            ContentRefusal.BAD_SIGNATURE, f"{len(signature)} bytes, not {SIGNATURE_BYTES}"
        )
    try:
        key.verify(signature, data)
    except invalid:
        raise ContentPushError(
            ContentRefusal.BAD_SIGNATURE,
            "the manifest's signature does not verify with the publisher's key",
        ) from None
