"""Making CURVE key pairs, and a gateway's keys folder: its own pair and the allow-list
of clients (``docs/sync.md``, "Keys"). Reading one key file is :mod:`.keys`.

A key pair is two files in pyzmq's certificate format (``zmq.auth.create_certificates``):
``NAME.key``, the public certificate, and ``NAME.key_secret``, which also holds the secret
key and is readable by its owner only. ``NAME`` is the **key name**: the identity the
gateway gives a connection that authenticated with that key, and the first part of every
stream the connection may write (``"<key name>/<stream id>"``). A gateway's folder::

    DIR/gateway.key          the gateway's public certificate (every client needs a copy:
                             the game's sync client looks for it as gateway.key)
    DIR/gateway.key_secret   the gateway's secret certificate
    DIR/allowed/NAME.key     one public certificate per client allowed to connect

Every refusal is a :class:`KeyFolderError` with the file, a :class:`KeyProblem` and a reason.
"""

from __future__ import annotations

import enum
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.sync.keys import KeyFileError, KeyPair, load_key_pair, load_public_key
from vocal.extras import import_extra

__all__ = [
    "ALLOWED_FOLDER",
    "GATEWAY_KEY_NAME",
    "PUBLIC_SUFFIX",
    "SECRET_SUFFIX",
    "AllowList",
    "KeyFolderError",
    "KeyProblem",
    "allow_key",
    "check_key_name",
    "load_allow_list",
    "load_gateway_key_pair",
    "new_key_pair",
    "revoke_key",
]

GATEWAY_KEY_NAME = "gateway"
"""The name of the gateway's own key pair in its keys folder (and of the copy of its
public key in a game's keys folder: ``engine_bridge/sync/config.py``, GATEWAY_KEY_FILE)."""
ALLOWED_FOLDER = "allowed"
PUBLIC_SUFFIX = ".key"
SECRET_SUFFIX = ".key_secret"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class KeyProblem(enum.StrEnum):
    """Why a key operation was refused."""

    BAD_NAME = "bad_name"
    """Not 1 to 64 of letters, digits, ``_ . -`` (starting with a letter or digit)."""
    EXISTS = "exists"
    """A key of that name (or the same key) is already there: keys are never overwritten."""
    MISSING = "missing"
    UNREADABLE = "unreadable"
    """Not a certificate file, or its key is not a 40-character z85 CURVE key."""
    SECRET_GIVEN = "secret_given"
    """A secret certificate where a public one belongs (it must never be copied)."""


class KeyFolderError(Exception):
    """A key operation refused: ``path``, ``problem`` and ``reason``."""

    def __init__(self, path: Path, problem: KeyProblem, reason: str) -> None:
        super().__init__(f"{path}: {problem}: {reason}")
        self.path = path
        self.problem = problem
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AllowList:
    """The clients a gateway lets in: public key (z85) to key name, and the files it
    could not use (reported, never silently skipped)."""

    names_by_key: dict[bytes, str]
    problems: tuple[KeyFolderError, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.names_by_key.values())

    def without(self, name: str) -> AllowList:
        """This list with key ``name`` taken off."""
        kept = {key: other for key, other in self.names_by_key.items() if other != name}
        return AllowList(kept, self.problems)


def check_key_name(name: str, path: Path | None = None) -> str:
    """``name`` if it is a valid key name, else a :class:`KeyFolderError`."""
    if not _NAME.fullmatch(name):
        raise KeyFolderError(
            path or Path(name),
            KeyProblem.BAD_NAME,
            f"{name!r}: 1 to 64 letters, digits, '_', '.', '-', starting with a letter or digit",
        )
    return name


def _unreadable(error: KeyFileError) -> KeyFolderError:
    problem = KeyProblem.MISSING if not error.path.exists() else KeyProblem.UNREADABLE
    return KeyFolderError(error.path, problem, error.reason)


def new_key_pair(name: str, directory: Path) -> tuple[Path, Path]:
    """Write a new key pair ``NAME.key`` and ``NAME.key_secret`` into ``directory``
    (created if needed); returns both paths. Refuses to overwrite a key."""
    zmq_auth = import_extra("zmq.auth", "making a CURVE key pair")
    check_key_name(name)
    directory.mkdir(parents=True, exist_ok=True)
    public, secret = directory / f"{name}{PUBLIC_SUFFIX}", directory / f"{name}{SECRET_SUFFIX}"
    for path in (public, secret):
        if path.exists():
            raise KeyFolderError(path, KeyProblem.EXISTS, "a key is never overwritten")
    # The secret's file is made private before pyzmq writes the secret into it (pyzmq
    # truncates and writes, keeping the mode; left to it, the umask decides).
    secret.touch(mode=0o600)
    os.chmod(secret, 0o600)
    zmq_auth.create_certificates(directory, name)
    return public, secret


def load_gateway_key_pair(keys_dir: Path) -> KeyPair:
    """The gateway's own pair, ``keys_dir/gateway.key_secret``."""
    try:
        return load_key_pair(keys_dir / f"{GATEWAY_KEY_NAME}{SECRET_SUFFIX}")
    except KeyFileError as error:
        raise _unreadable(error) from None


def allow_key(public_certificate: Path, keys_dir: Path) -> Path:
    """Copy a client's public certificate into the allow-list of the gateway whose keys
    folder is ``keys_dir``; the file's name (``NAME.key``) names the key. Returns the copy."""
    try:
        load_key_pair(public_certificate)
    except KeyFileError:
        pass  # no secret in it: what we want
    else:
        raise KeyFolderError(
            public_certificate, KeyProblem.SECRET_GIVEN, "give the public certificate NAME.key"
        )
    try:
        public = load_public_key(public_certificate)
    except KeyFileError as error:
        raise _unreadable(error) from None
    if not public_certificate.name.endswith(PUBLIC_SUFFIX):
        raise KeyFolderError(
            public_certificate, KeyProblem.BAD_NAME, f"a public certificate is NAME{PUBLIC_SUFFIX}"
        )
    name = check_key_name(public_certificate.name.removesuffix(PUBLIC_SUFFIX), public_certificate)
    folder = keys_dir / ALLOWED_FOLDER
    target = folder / f"{name}{PUBLIC_SUFFIX}"
    if target.exists():
        raise KeyFolderError(target, KeyProblem.EXISTS, f"a key named {name!r} is allowed")
    same = load_allow_list(keys_dir).names_by_key.get(public)
    if same is not None:
        raise KeyFolderError(target, KeyProblem.EXISTS, f"the same key is allowed as {same!r}")
    folder.mkdir(parents=True, exist_ok=True)
    # Copied beside its place and renamed in: a gateway reloading never reads half a file.
    partial = folder / f".{name}.partial"
    shutil.copyfile(public_certificate, partial)
    os.replace(partial, target)
    return target


def revoke_key(name: str, keys_dir: Path) -> Path:
    """Take key ``name`` off the allow-list of ``keys_dir``; returns the removed file.
    A running gateway applies it on ``admin.reload_keys`` (or SIGHUP)."""
    target = keys_dir / ALLOWED_FOLDER / f"{check_key_name(name)}{PUBLIC_SUFFIX}"
    try:
        target.unlink()
    except FileNotFoundError:
        raise KeyFolderError(target, KeyProblem.MISSING, f"no key {name!r} is allowed") from None
    return target


def load_allow_list(keys_dir: Path) -> AllowList:
    """Every public certificate in ``keys_dir/allowed`` (none when there is no such
    folder). A file that cannot be used, or a second file with a key already listed, is
    kept in ``problems`` and left out.

    Raises:
        OSError: the folder cannot be listed (an unreadable folder is not an empty list).
    """
    folder = keys_dir / ALLOWED_FOLDER
    names_by_key: dict[bytes, str] = {}
    problems: list[KeyFolderError] = []
    try:
        # iterdir, not glob: glob would answer an unreadable folder with no files at all.
        paths = sorted(path for path in folder.iterdir() if path.name.endswith(PUBLIC_SUFFIX))
    except FileNotFoundError:
        paths = []
    for path in paths:
        try:
            name = check_key_name(path.name.removesuffix(PUBLIC_SUFFIX), path)
            public = load_public_key(path)
        except KeyFolderError as error:
            problems.append(error)
            continue
        except KeyFileError as error:
            problems.append(_unreadable(error))
            continue
        if public in names_by_key:
            reason = f"the same key as {names_by_key[public]!r}: left out"
            problems.append(KeyFolderError(path, KeyProblem.EXISTS, reason))
            continue
        names_by_key[public] = name
    return AllowList(names_by_key, tuple(problems))
