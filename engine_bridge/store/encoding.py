"""Values on disk: plain data (:data:`~engine_bridge.scripting.npc_memory.Memorable`) as
msgpack, and back, equal.

msgpack has no tuple: a tuple (a position is one) is written as extension type 1 holding
the list of its items, so that what comes back equals what was remembered (``(1, 2) !=
[1, 2]`` in Python). Anything that is not plain data, including subclasses of the plain
types (an ``IntEnum``, a ``defaultdict``), is refused with the path to the first bad
item, found only once encoding has failed so the common case costs one ``pack`` (on a
Packer kept for reuse). Keys of maps follow the same rule (a str, as scripts use, or any
other plain value).
"""

from __future__ import annotations

import threading
from typing import Any

import msgpack

from engine_bridge.scripting.npc_memory import Memorable

__all__ = ["UnencodableError", "decode", "encode"]

_TUPLE = 1
_PLAIN_LEAVES = (bool, int, float, str, type(None))
_new_tuple = tuple.__new__
_unpackb = msgpack.unpackb


class UnencodableError(TypeError):
    """``where`` (``""`` for the value itself, else ``[2]["hp"]``) holds a ``type_name``."""

    def __init__(self, where: str, type_name: str) -> None:
        super().__init__(f"{type_name} at {where or 'top level'} is not plain data")
        self.where = where
        self.type_name = type_name


def _tuple_as_extension(value: object) -> msgpack.ExtType:
    if type(value) is tuple:
        # ExtType is a namedtuple whose __new__ checks its arguments in Python (they are
        # known good here): made directly, a tuple costs half as much.
        return _new_tuple(msgpack.ExtType, (_TUPLE, _pack(list(value))))
    raise TypeError(type(value).__name__)


def _tuple_from_extension(code: int, data: bytes) -> object:
    if code == _TUPLE:  # (msgpack.unpackb called here, not through _unpack: a call less)
        return tuple(
            _unpackb(data, ext_hook=_tuple_from_extension, strict_map_key=False, raw=False)
        )
    return msgpack.ExtType(code, data)


class _Packers(threading.local):
    # Packers kept for reuse, per thread (a Packer is not thread-safe): ``msgpack.packb``
    # makes a Packer, and allocates its 256 KiB buffer, on every call, which cost a
    # tuple's encoding (two of them, nested) up to 30 us. A tuple inside a value being
    # packed is packed while its outer Packer is busy, so each nesting takes its own.
    def __init__(self) -> None:
        self.free: list[msgpack.Packer] = []


_packers = _Packers()


def _pack(items: Any) -> bytes:
    free = _packers.free
    packer = free.pop() if free else msgpack.Packer(default=_tuple_as_extension, strict_types=True)
    try:
        return packer.pack(items)  # autoreset: the buffer is emptied, even on an error
    finally:
        free.append(packer)


def _unpack(data: bytes) -> Any:
    return _unpackb(data, ext_hook=_tuple_from_extension, strict_map_key=False, raw=False)


def _first_bad(value: object, where: str = "") -> UnencodableError | None:
    kind = type(value)
    if kind in _PLAIN_LEAVES:
        beyond = kind is int and not -(2**63) <= value < 2**64  # type: ignore[operator]
        return UnencodableError(where, "an int beyond 64 bits") if beyond else None
    if kind in (list, tuple):
        items = [(f"{where}[{i}]", item) for i, item in enumerate(value)]  # type: ignore[arg-type]
    elif kind is dict:
        items = [
            pair
            for key, item in value.items()  # type: ignore[attr-defined]
            for pair in ((f"{where}[{key!r}] (the key)", key), (f"{where}[{key!r}]", item))
        ]
    else:
        return UnencodableError(where, kind.__name__)
    for inner_where, item in items:
        bad = _first_bad(item, inner_where)
        if bad is not None:
            return bad
    return None


def encode(value: Memorable) -> bytes:
    """``value`` as msgpack.

    Raises:
        UnencodableError: ``value`` is not plain data; it names where the bad item is.
    """
    try:
        return _pack(value)
    except (TypeError, ValueError, OverflowError):
        bad = _first_bad(value)
        if bad is None:  # msgpack refused what we consider plain: say so, not silently
            bad = UnencodableError("", type(value).__name__)
        raise bad from None


def decode(data: bytes) -> Memorable:
    """What :func:`encode` made, equal to what it was given."""
    value: Memorable = _unpack(data)
    return value
