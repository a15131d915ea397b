"""A content bundle's manifest: who published it, its version, and every file's path, size
and SHA-256 — the bytes the publisher signs (``docs/sync.md``, "Content push").

The manifest is a msgpack map written in one order, so the same content gives the same
bytes::

    {"format": 1, "publisher": str, "version": int >= 1, "created": int (Unix seconds),
     "files": [{"path": str, "size": int, "sha256": str (64 hex digits)}, ...]}

with ``files`` sorted by path. Decoding checks every field and every path
(:func:`check_path`): a path is relative, of ``/``-separated parts, none empty, ``.`` or
``..``, no NUL or other control character, no backslash, and its first part is one of
:data:`CONTENT_FOLDERS` (the folders the runtime reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import msgpack

from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal

__all__ = [
    "CONTENT_FOLDERS",
    "MANIFEST_FORMAT",
    "MAX_FILES",
    "Manifest",
    "ManifestFile",
    "check_path",
    "decode_manifest",
    "encode_manifest",
]

MANIFEST_FORMAT = 1
CONTENT_FOLDERS: tuple[str, ...] = ("story", "dialogue", "lore", "voice_lines", "models")
"""The content folders a bundle may write into: the ones the runtime reads."""
MAX_FILES = 10_000
_MAX_PATH = 1024
_MAX_PUBLISHER = 128
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = ("format", "publisher", "version", "created", "files")
_FILE_KEYS = ("path", "size", "sha256")


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One file of a bundle: its path relative to the content root, size, SHA-256 (hex)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a bundle holds and who published which version of it."""

    publisher: str
    version: int
    created: int
    files: tuple[ManifestFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def check_path(path: object) -> str:
    """``path`` if a bundle may hold a file there; otherwise a ``unsafe_path`` error
    naming it and the rule it broke."""
    if not isinstance(path, str):
        raise ContentPushError(
            ContentRefusal.UNSAFE_PATH, f"a path is a str, not {type(path).__name__}", repr(path)
        )
    parts = path.split("/")
    rules = (
        (not path, "is empty"),
        ("\0" in path, "contains a NUL byte"),
        (any(ord(c) < 0x20 or c == "\x7f" for c in path), "contains a control character"),
        ("\\" in path, "contains a backslash (paths are '/'-separated)"),
        (len(path) > _MAX_PATH, f"is longer than {_MAX_PATH} characters"),
        (path.startswith("/") or re.match(r"[A-Za-z]:", path) is not None, "is absolute"),
        (".." in parts, "refers to a parent folder ('..')"),
        (any(p in ("", ".") for p in parts), "has an empty or '.' part"),
        (
            parts[0] not in CONTENT_FOLDERS,
            f"is outside the content folders ({', '.join(f + '/' for f in CONTENT_FOLDERS)})",
        ),
        (len(parts) < 2, "names a folder, not a file inside it"),
    )
    for broken, reason in rules:
        if broken:
            raise ContentPushError(ContentRefusal.UNSAFE_PATH, f"the path {path!r} {reason}", path)
    return path


def encode_manifest(manifest: Manifest) -> bytes:
    """The manifest's bytes, as signed: fields in one order, files sorted by path."""
    files = sorted(manifest.files, key=lambda f: f.path)
    return msgpack.packb(
        {
            "format": MANIFEST_FORMAT,
            "publisher": manifest.publisher,
            "version": manifest.version,
            "created": manifest.created,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
        },
        use_bin_type=True,
    )


def _bad(reason: str, file: str | None = None) -> ContentPushError:
    return ContentPushError(ContentRefusal.BAD_MANIFEST, reason, file)


def decode_manifest(data: bytes) -> Manifest:
    """The manifest in ``data`` (bytes whose signature was verified), every field checked.

    Raises:
        ContentPushError: ``bad_manifest`` (a field missing, unknown or of the wrong type),
            ``unsafe_path`` (a path :func:`check_path` refuses) or ``too_large``.
    """
    try:
        value = msgpack.unpackb(data, raw=False, strict_map_key=True, max_array_len=MAX_FILES)
    except Exception as error:  # any way msgpack refuses: the bytes, not our bug
        raise _bad(f"not msgpack ({type(error).__name__}: {error})") from None
    if not isinstance(value, dict) or set(value) != set(_KEYS):
        keys = sorted(map(str, value)) if isinstance(value, dict) else type(value).__name__
        raise _bad(f"a manifest is a map of {list(_KEYS)}, not {keys}")
    if value["format"] != MANIFEST_FORMAT or type(value["format"]) is not int:
        raise _bad(f"format {value['format']!r}; this side reads {MANIFEST_FORMAT}")
    publisher, version, created = value["publisher"], value["version"], value["created"]
    if type(publisher) is not str or not 0 < len(publisher) <= _MAX_PUBLISHER:
        raise _bad(f"publisher: a string of 1 to {_MAX_PUBLISHER} characters")
    if type(version) is not int or not 1 <= version < 2**63:
        raise _bad("version: an integer from 1")
    if type(created) is not int or created < 0:
        raise _bad("created: Unix seconds, an integer from 0")
    if not isinstance(value["files"], list):
        raise _bad("files: an array")
    files = tuple(_file(item) for item in value["files"])
    _check_unique(f.path for f in files)
    return Manifest(publisher, version, created, files)


def _file(item: object) -> ManifestFile:
    if not isinstance(item, dict) or set(item) != set(_FILE_KEYS):
        raise _bad(f"a file entry is a map of {list(_FILE_KEYS)}")
    path = check_path(item["path"])
    size, digest = item["size"], item["sha256"]
    if type(size) is not int or size < 0:
        raise _bad("size: an integer from 0", path)
    if type(digest) is not str or _HEX64.fullmatch(digest) is None:
        raise _bad("sha256: 64 lowercase hex digits", path)
    return ManifestFile(path, size, digest)


def _check_unique(paths: Iterable[str]) -> None:
    # Case-folded too: on a case-insensitive disk "lore/A.toml" and "lore/a.toml" are one file.
    seen: set[str] = set()
    for path in paths:
        folded = path.casefold()
        if folded in seen:
            raise _bad("the path is listed twice (letter case aside)", path)
        seen.add(folded)
