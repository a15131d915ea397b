"""Cloud saves on the gateway: the bodies of ``save.put``, ``save.get`` and ``save.list``
checked, and their answers (``save.stored``, ``save.data``, ``save.listing``) made from
what the store keeps (``docs/sync.md``, "Cloud saves").

A save belongs to the key that uploaded it (its ``owner``, the connection's key name);
which machine sent it is the frame's ``client`` (its ``stream``). A key only ever reads its
own saves: every query here is by the authenticated key name, never by a name the peer
sends. The data's SHA-256 is checked before anything is stored: what a later ``save.get``
hands out is byte for byte what was uploaded, and the client checks it again.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

from aicore_gateway.stores.base import CloudSave, GatewayStore
from engine_bridge.sync.frames import Frame, FrameError, Refusal

__all__ = ["MAX_LISTED", "SAVE_KINDS", "SaveRequests", "parse_put"]

SAVE_KINDS = frozenset({"save.put", "save.get", "save.list"})
MAX_LISTED = 1000
"""``save.listing`` holds at most this many saves, the newest uploads (about 250 bytes
each: far inside one message)."""
_SLOT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PUT_KEYS = frozenset({"slot", "saved_at", "sha256", "parent_sha256", "data"})


def _malformed(kind: str, reason: str) -> FrameError:
    return FrameError(Refusal.MALFORMED, f"{kind}: {reason}")


def _slot(kind: str, value: object) -> str:
    # The rule the game's store applies to a slot name (engine_bridge/store/paths.py):
    # a name the game could not write is refused here, not handed out later.
    if type(value) is not str or _SLOT.fullmatch(value) is None:
        raise _malformed(kind, "slot is 1 to 64 letters, digits, '_' or '-'")
    return value


def _sha(kind: str, field: str, value: object) -> str:
    if type(value) is not str or _SHA256.fullmatch(value) is None:
        raise _malformed(kind, f"{field} is 64 lowercase hex digits")
    return value


def parse_put(key: str, client: str, body: object) -> CloudSave:
    """The save a ``save.put`` body describes, owned by ``key`` and sent by ``client``.

    Raises:
        FrameError: ``malformed``: the body is not ``{"slot", "saved_at", "sha256",
            "parent_sha256", "data"}`` with the right types, or ``data``'s SHA-256 is not
            ``sha256``.
    """
    kind = "save.put"
    if not isinstance(body, dict) or body.keys() != _PUT_KEYS:
        raise _malformed(kind, f"the body is a map of {sorted(_PUT_KEYS)}")
    slot = _slot(kind, body["slot"])
    saved_at = body["saved_at"]
    if type(saved_at) not in (int, float) or not math.isfinite(saved_at):
        raise _malformed(kind, "saved_at is a finite number (Unix seconds)")
    sha256 = _sha(kind, "sha256", body["sha256"])
    parent = body["parent_sha256"]
    if parent is not None:
        parent = _sha(kind, "parent_sha256", parent)
    data = body["data"]
    if type(data) is not bytes:
        raise _malformed(kind, "data is bin (the save file's bytes)")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise _malformed(kind, f"the data's SHA-256 is {actual}, not the sha256 sent")
    return CloudSave(
        owner=key,
        slot=slot,
        stream=client,
        saved_at=float(saved_at),
        sha256=sha256,
        parent_sha256=parent,
        data=data,
    )


def _get_slot(body: object) -> str | None:
    if not isinstance(body, dict) or body.keys() != {"slot"}:
        raise _malformed("save.get", 'the body is {"slot": str or nil}')
    slot = body["slot"]
    return None if slot is None else _slot("save.get", slot)


def stored_body(save: CloudSave) -> dict[str, object]:
    """``save.stored``: the save kept (a conflict names the head it did not replace)."""
    return {"slot": save.slot, "sha256": save.sha256, "conflict_of": save.conflict_of}


def data_body(save: CloudSave) -> dict[str, object]:
    """``save.data``: the save and its bytes."""
    return {
        "slot": save.slot,
        "saved_at": save.saved_at,
        "sha256": save.sha256,
        "parent_sha256": save.parent_sha256,
        "stream": save.stream,
        "conflict_of": save.conflict_of,
        "data": save.data,
    }


def listing_body(saves: Sequence[CloudSave]) -> dict[str, object]:
    """``save.listing``: the newest :data:`MAX_LISTED` saves, newest first, without data."""
    return {
        "saves": [
            {
                "slot": save.slot,
                "saved_at": save.saved_at,
                "sha256": save.sha256,
                "stream": save.stream,
                "conflict_of": save.conflict_of,
                "size": save.size if save.size is not None else len(save.data),
            }
            for save in saves[:MAX_LISTED]
        ]
    }


class SaveRequests:
    """Answers the save frames of one gateway from its store (on the server's loop)."""

    def __init__(self, store: GatewayStore) -> None:
        self._store = store

    def answer(self, key: str, frame: Frame) -> Frame:
        """The answer to save frame ``frame`` from the connection authenticated as ``key``.

        Raises:
            FrameError: ``malformed`` body, ``no_such_save``.
            StoreUnavailableError: and anything else the store raises (the handler
                answers ``unavailable``).
        """
        kind, client = frame.kind, frame.client
        if kind == "save.put":
            kept = self._store.put_save(parse_put(key, client, frame.body))
            return Frame(client, 0, "save.stored", stored_body(kept))
        if kind == "save.get":
            slot = _get_slot(frame.body)
            save = self._store.latest_save(key, slot)
            if save is None:
                where = f"in slot {slot!r}" if slot is not None else "at all"
                raise FrameError(Refusal.NO_SUCH_SAVE, f"{key!r} has no cloud save {where}")
            return Frame(client, 0, "save.data", data_body(save))
        if frame.body not in (None, {}):
            raise _malformed("save.list", "the body is {} (or nil)")
        return Frame(client, 0, "save.listing", listing_body(self._store.list_saves(key)))
