"""What the sync client has done and what it costs the game: counters a game can show
and tests can check (``SyncClient.metrics``). Nothing the client does to cope (a resend,
a reconnect, a refusal obeyed) goes uncounted, and its last trouble is kept as a value."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["FrameCost", "SyncFault", "SyncFaultKind", "SyncMetrics", "SyncState"]


class SyncState(enum.StrEnum):
    """Where the client is with the gateway."""

    OFFLINE = "offline"  # no connection: waiting for the next try (backoff)
    CONNECTING = "connecting"  # hello sent, no welcome yet
    ONLINE = "online"  # welcomed: events flow
    STOPPED = "stopped"  # closed (or not started)


class SyncFaultKind(enum.StrEnum):
    """Why the client last left the gateway or held back."""

    NO_WELCOME = "no_welcome"  # the hello went unanswered
    SILENT = "silent"  # no word from the gateway for missed_heartbeats heartbeats
    NO_ACK = "no_ack"  # a message sent went unacknowledged as long
    REJECTED = "rejected"  # a sync.reject (its code in ``code``)
    BAD_REPLY = "bad_reply"  # the gateway sent what the frames codec refuses
    SOCKET = "socket"  # ZeroMQ refused (a bad endpoint...)
    OUTBOX = "outbox"  # the outbox could not be read (the store's fault, logged there too)
    CRASHED = "crashed"  # the client's thread stopped on an error (a bug: logged)
    NO_ANSWER = "no_answer"  # a cloud save or content request went unanswered in time
    SAVE_UPLOAD = "save_upload"  # a slot not uploaded (too large, not a save, refused)
    SAVE_PULL = "save_pull"  # a pull refused (no such save, corrupt, the disk)
    CONTENT = "content"  # a content bundle refused (its ContentRefusal code)


@dataclass(frozen=True, slots=True)
class SyncFault:
    """One trouble: its ``kind``, the gateway's refusal ``code`` for ``rejected``
    (a :class:`~engine_bridge.sync.frames.Refusal` value), and a ``reason`` for people."""

    kind: SyncFaultKind
    reason: str
    code: str | None = None


class FrameCost:
    """The game thread's time in the sync per frame (the hand-over of acknowledgements),
    written by the game thread only."""

    __slots__ = ("frames", "last_s", "max_s", "total_s")

    def __init__(self) -> None:
        self.frames = 0
        self.last_s = 0.0
        self.max_s = 0.0
        self.total_s = 0.0

    def add(self, seconds: float) -> None:
        """Count one frame that took ``seconds``."""
        self.frames += 1
        self.last_s = seconds
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)


@dataclass(frozen=True, slots=True)
class SyncMetrics:
    """A snapshot of the sync client's counters. Frame numbers (``seq``) are the
    stream's, as the gateway sees them (``store.sync_stream`` maps them to the outbox's)."""

    state: SyncState
    frames_sent: int
    """Stream frames sent, resends included."""
    frames_resent: int
    """Of those, frames sent again (after a reconnect, a refusal, a lost acknowledgement)."""
    messages_sent: int
    acked_through: int
    """The highest frame the gateway holds durably, as last heard."""
    acknowledged_through: int
    """The highest frame the game thread has deleted from the outbox."""
    in_flight: int
    """Messages sent and not yet acknowledged."""
    connects: int
    """Welcomes received (a first connection included)."""
    reconnects: int
    """Connections given up (a timeout, a bad reply) and opened again."""
    pings_sent: int
    rejects: dict[str, int]
    """``sync.reject`` received, by code."""
    faults: dict[str, int]
    """Troubles, by :class:`SyncFaultKind` (each refusal is one ``rejected``)."""
    last_fault: SyncFault | None
    """The latest trouble (kept after it is over: ``state`` says whether it is)."""
    frames: int
    """Frames the game thread ran the sync's part of."""
    frame_cost_last_s: float
    frame_cost_max_s: float
    frame_cost_total_s: float
    """The game thread's time in the sync, summed over ``frames``."""
    endpoint: str = ""
    """The gateway the client is connected to, or tries next (one of
    ``SyncConfig.endpoints``)."""
    saves_uploaded: int = 0
    """Slot files the gateway kept (``save.stored``), conflicts included."""
    save_conflicts: int = 0
    """Of those, uploads beside a cloud save they were not made from (both kept)."""
    saves_pulled: int = 0
    """Cloud saves pulled into the profile's slots."""
    save_failures: dict[str, int] = field(default_factory=dict)
    """Slots not uploaded, by code: ``too_large``, ``unreadable``, or the gateway's."""
    content_checks: int = 0
    """``content.get`` answered (a bundle or nothing newer)."""
    content_installed: int = 0
    """Content bundles installed (read at the next start)."""
    content_refused: dict[str, int] = field(default_factory=dict)
    """Bundles refused, by ``ContentRefusal`` code (``missing_extra`` without the sync
    extra): each logged; the game plays on with what it has."""
    last_transfer_fault: SyncFault | None = None
    """The latest trouble of the transfer thread (cloud saves, content)."""
