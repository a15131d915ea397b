"""Why a content bundle was refused: one structured error for the bundle's format, its
signature, its files, the overlay it would be installed into and the content check.

Nothing parses the message: callers read :attr:`ContentPushError.code` (a
:class:`ContentRefusal`), :attr:`~ContentPushError.file` (the bundle path or the file on
disk concerned, or None) and :attr:`~ContentPushError.reason`.
"""

from __future__ import annotations

import enum
import errno

__all__ = ["ContentPushError", "ContentRefusal", "disk_error"]


class ContentRefusal(enum.StrEnum):
    """Why a bundle was not built, not verified or not installed."""

    MALFORMED = "malformed"  # not a bundle: truncated, corrupt, not msgpack, wrong shape
    TOO_LARGE = "too_large"  # more bytes or files than a bundle may hold
    BAD_KEY = "bad_key"  # a key file that cannot be read or is not an Ed25519 key
    BAD_SIGNATURE = "bad_signature"  # the signature does not verify with the publisher's key
    BAD_MANIFEST = "bad_manifest"  # a signed manifest with a field missing or of a wrong type
    UNSAFE_PATH = "unsafe_path"  # absolute, '..', NUL, or outside the content folders
    MISSING_FILE = "missing_file"  # listed in the manifest, absent from the bundle
    UNLISTED_FILE = "unlisted_file"  # in the bundle, not in the manifest
    SIZE_MISMATCH = "size_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    NOT_NEWER = "not_newer"  # a version not above the installed one (a replay, a downgrade)
    CONTENT_REGRESSION = "content_regression"  # would turn a content system off, or add errors
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"  # the overlay folder cannot be written
    IO_ERROR = "io_error"  # any other failure of the file system
    EXISTS = "exists"  # a key file that would be overwritten


class ContentPushError(Exception):
    """A bundle refused: ``code``, ``reason``, and ``file`` (the path inside the bundle or
    on disk it concerns; None for the bundle as a whole)."""

    def __init__(self, code: ContentRefusal, reason: str, file: str | None = None) -> None:
        super().__init__(f"{code}: {file + ': ' if file else ''}{reason}")
        self.code = code
        self.reason = reason
        self.file = file

    def as_dict(self) -> dict[str, str | None]:
        """The error as plain data (a log record, a reply to the gateway)."""
        return {"code": str(self.code), "file": self.file, "reason": self.reason}


_DISK_CODES = {
    errno.ENOSPC: ContentRefusal.DISK_FULL,
    errno.EDQUOT: ContentRefusal.DISK_FULL,
    errno.EROFS: ContentRefusal.READ_ONLY,
    errno.EACCES: ContentRefusal.READ_ONLY,
    errno.EPERM: ContentRefusal.READ_ONLY,
}


def disk_error(error: OSError, doing: str) -> ContentPushError:
    """The refusal an :class:`OSError` stands for (by its errno, never its text)."""
    code = _DISK_CODES.get(error.errno or 0, ContentRefusal.IO_ERROR)
    file = error.filename if isinstance(error.filename, str) else None
    return ContentPushError(code, f"{doing}: {error.strerror or error}", file)
