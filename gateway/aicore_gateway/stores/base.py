"""The one interface every gateway store implements (SQLite for one gateway, PostgreSQL
for production and scale-out).

Exactly-once effect: a stream (``client``, ``"<key name>/<stream id>"``) has an
``acked_through``; :meth:`GatewayStore.append` stores, in one transaction, the frames
with ``seq == acked_through + 1, + 2, ...`` (contiguous), ignores those ``<= acked_through``
(duplicates: counted, never applied twice), and stops at a gap. Storing a frame applies
its effect (:data:`EFFECTS_TABLE`: a count per client and kind) in the same transaction,
so the effect happens exactly once however often a frame arrives, on however many
gateways sharing one database (PostgreSQL: the stream's row is locked ``FOR UPDATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["AppendResult", "CloudSave", "GatewayStore", "StoreUnavailableError"]


class StoreUnavailableError(RuntimeError):
    """The store cannot be reached now (the server is down, the disk failed); nothing
    was stored, the client will resend. ``/readyz`` reports it."""


@dataclass(frozen=True, slots=True)
class AppendResult:
    acked_through: int
    """Every seq <= this is durably stored (committed) for the stream."""
    stored: int
    """Frames stored (and their effects applied) by this call."""
    duplicates: int
    """Frames with seq <= the stream's acked_through before the call: not applied again."""
    gap_at: int | None
    """The first seq refused because the ones before it are missing (None: no gap)."""


@dataclass(frozen=True, slots=True)
class CloudSave:
    owner: str
    """The key name that uploaded it (saves belong to a key, not a stream)."""
    slot: str
    stream: str
    """The stream (machine) that uploaded it."""
    saved_at: float
    sha256: str
    parent_sha256: str | None
    """The cloud save this one was made from, as the uploader last knew it."""
    data: bytes
    conflict_of: str | None = None
    """Set when it was uploaded over a different head: the head it did not replace."""
    size: int | None = None
    """The data's length in bytes where ``data`` is left out (:meth:`GatewayStore.
    list_saves`); None elsewhere (``len(data)`` is the size)."""


class GatewayStore(Protocol):
    def append(self, client: str, frames: Sequence[tuple[int, str, bytes]]) -> AppendResult:
        """Store ``frames`` (``(seq, kind, body msgpack)``, ascending seq) of stream
        ``client`` as described above. Raises :class:`StoreUnavailableError`."""
        ...

    def acked_through(self, client: str) -> int:
        """The stream's highest contiguous stored seq (0: none)."""
        ...

    def effects(self, client: str) -> dict[str, int]:
        """The effects applied for ``client``: frames stored per kind."""
        ...

    def put_save(self, save: CloudSave) -> CloudSave:
        """Keep ``save``. If ``save.parent_sha256`` is not the slot's current head, both
        are kept: the returned save has ``conflict_of`` set to the head it did not replace."""
        ...

    def latest_save(self, owner: str, slot: str | None) -> CloudSave | None:
        """The newest save of ``owner`` (of ``slot``, or of any slot)."""
        ...

    def list_saves(self, owner: str) -> list[CloudSave]:
        """Every save of ``owner``, newest upload first, without its data (``data`` is
        ``b""``, ``size`` its length)."""
        ...

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers now (``/readyz``)."""
        ...

    def close(self) -> None: ...
