"""CURVE key files: the ones ``zmq.auth.create_certificates(folder, name)`` writes,
``<name>.key`` (the public key) and ``<name>.key_secret`` (both keys of the pair).

A key is 40 characters of Z85 (32 bytes). Every way a file can be wrong is a
:class:`KeyFileError` naming the file and the reason, never a message to parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocal.extras import import_extra

__all__ = ["KeyFileError", "KeyPair", "load_key_pair", "load_public_key"]

_Z85_KEY_LEN = 40


class KeyFileError(ValueError):
    """A key file that cannot be used: ``path`` and ``reason``."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True, repr=False)
class KeyPair:
    """A CURVE key pair (Z85): ``name`` is the file's stem, the name the key goes by."""

    name: str
    public: bytes
    secret: bytes

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"KeyPair(name={self.name!r}, public={self.public!r})"


def _load(path: Path) -> tuple[bytes | None, bytes | None]:
    zmq_auth = import_extra("zmq.auth", "loading a CURVE key file")
    if not path.is_file():
        raise KeyFileError(path, "no such file")
    try:
        public, secret = zmq_auth.load_certificate(path)
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(path, f"cannot be read ({type(error).__name__}: {error})") from None
    except ValueError:  # pyzmq's "No public key found in ..."
        raise KeyFileError(path, "holds no public-key line") from None
    return public, secret


def _checked(path: Path, which: str, key: bytes | None) -> bytes:
    if key is None:
        raise KeyFileError(path, f"holds no {which} key")
    zmq_utils = import_extra("zmq.utils.z85", "loading a CURVE key file")
    try:
        if len(key) != _Z85_KEY_LEN:
            raise ValueError(f"{len(key)} characters")
        zmq_utils.decode(key)
    except ValueError as error:
        raise KeyFileError(
            path, f"its {which} key is not {_Z85_KEY_LEN} characters of Z85 ({error})"
        ) from None
    return key


def load_public_key(path: Path | str) -> bytes:
    """The public key of a ``.key`` (or ``.key_secret``) file.

    Raises:
        KeyFileError: no such file, unreadable, or no valid public key in it.
        MissingExtraError: pyzmq is not installed (the ``sync`` extra).
    """
    path = Path(path)
    public, _ = _load(path)
    return _checked(path, "public", public)


def load_key_pair(path: Path | str) -> KeyPair:
    """The key pair of a ``.key_secret`` file, named by the file's stem.

    Raises:
        KeyFileError: no such file, unreadable, or not both keys valid in it (a ``.key``
            file holds only the public key).
        MissingExtraError: pyzmq is not installed (the ``sync`` extra).
    """
    path = Path(path)
    public, secret = _load(path)
    return KeyPair(path.stem, _checked(path, "public", public), _checked(path, "secret", secret))
