"""The sync protocol's frames: what the game's sync client and the cloud gateway say to
each other over ZeroMQ (``docs/sync.md`` documents every frame byte by byte).

One ZeroMQ message (one part, from the client's DEALER; the gateway's ROUTER adds the
peer's routing id in front) is a msgpack **array of frames**; a frame is a msgpack map
with exactly five keys, in this order when we write them::

    {"v": 1, "client": "<key name>/<stream id>", "seq": <uint64>, "kind": "<str>", "body": <any>}

``seq >= 1`` marks a **stream frame**: the outbox event with that ``seq`` (its ``kind``
the outbox kind, ``"event.custom"``...), delivered at least once, applied exactly once.
``seq == 0`` marks a **control frame** whose ``kind`` is one of :data:`CONTROL_KINDS`.

Decoding never trusts the peer: every refusal is a :class:`FrameError` with the index of
the frame, the field and a reason, and a code from :class:`Refusal` that the gateway
sends back in its ``sync.reject`` frame.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

__all__ = [
    "CONTROL_KINDS",
    "MAX_CLIENT_LEN",
    "MAX_FRAMES",
    "MAX_KIND_LEN",
    "MAX_MESSAGE_BYTES",
    "PROTOCOL_VERSION",
    "Frame",
    "FrameError",
    "Refusal",
    "decode_message",
    "encode_message",
    "encode_stream_message",
    "stream_owner",
]

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""The largest message either side accepts (a cloud save travels in one)."""
MAX_FRAMES = 4096
"""The most frames in one message."""
MAX_CLIENT_LEN = 128
MAX_KIND_LEN = 64
_FIELDS = ("v", "client", "seq", "kind", "body")
_U64 = 2**64

CONTROL_KINDS: frozenset[str] = frozenset(
    {
        # client -> gateway
        "sync.hello",  # body: {"agent": str}; answered by sync.welcome
        "sync.ping",  # body: None; answered by sync.pong
        "save.put",  # a completed save slot (docs/sync.md, "Cloud saves")
        "save.get",
        "save.list",
        # body: {"have": int}, the installed content version; answered by content.bundle
        # (docs/sync.md, "Content push")
        "content.get",
        "admin.stats",
        "admin.kick",
        "admin.reload_keys",
        # gateway -> client
        "sync.welcome",  # body: {"acked": int, "heartbeat_ms": int}
        "sync.pong",
        "sync.ack",  # body: {"through": int}: every seq <= through is durably stored
        # sync.reject's body: {"code": str, "reason": str, "seq": int | None,
        # "retry_after_ms": int | None}
        "sync.reject",
        "save.stored",
        "save.data",
        "save.listing",
        # body: {"version": int, "bundle": bytes}, or {"version": None, "bundle": None}
        "content.bundle",
        "admin.reply",
    }
)
_RESERVED_PREFIXES = ("sync.", "save.", "content.", "admin.")


class Refusal(enum.StrEnum):
    """Why a message or a frame is refused (the ``code`` of a ``sync.reject``)."""

    MALFORMED = "malformed"  # not msgpack, not an array of maps, a field of the wrong type
    OVERSIZED = "oversized"  # more than MAX_MESSAGE_BYTES or MAX_FRAMES
    VERSION = "version"  # v is not PROTOCOL_VERSION
    # seq 0 with a kind not in CONTROL_KINDS, or a stream frame with a reserved prefix
    UNKNOWN_KIND = "unknown_kind"
    NOT_YOUR_STREAM = "not_your_stream"  # client's key name is not the authenticated key's
    RATE_LIMITED = "rate_limited"
    GAP = "gap"  # a stream frame beyond acked + 1 with the ones between missing
    NOT_ADMIN = "not_admin"
    NO_SUCH_SAVE = "no_such_save"
    UNAVAILABLE = "unavailable"  # the gateway's store cannot be reached; try later


class FrameError(ValueError):
    """A message or frame refused: ``index`` of the frame (None: the whole message),
    ``field`` (None: the frame itself), ``reason``, and the ``code`` to answer with."""

    def __init__(
        self, code: Refusal, reason: str, index: int | None = None, field: str | None = None
    ) -> None:
        where = (
            "message"
            if index is None
            else f"frame {index}" + (f" field {field!r}" if field else "")
        )
        super().__init__(f"{code}: {where}: {reason}")
        self.code = code
        self.reason = reason
        self.index = index
        self.field = field


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame. ``body`` is plain msgpack data (decoded), or for stream frames written
    by :func:`encode_stream_message`, the event's msgpack bytes as they are kept."""

    client: str
    seq: int
    kind: str
    body: Any = None
    v: int = PROTOCOL_VERSION

    @property
    def is_control(self) -> bool:
        return self.seq == 0


def stream_owner(client: str) -> str:
    """The key name a stream belongs to: ``client`` up to its first ``/``."""
    return client.split("/", 1)[0]


def encode_message(frames: Iterable[Frame]) -> bytes:
    """One message of ``frames`` (their bodies as plain data)."""
    return msgpack.packb(
        [
            {"v": f.v, "client": f.client, "seq": f.seq, "kind": f.kind, "body": f.body}
            for f in frames
        ],
        use_bin_type=True,
    )


def encode_stream_message(client: str, events: Sequence[tuple[int, str, bytes]]) -> bytes:
    """One message of stream frames from outbox rows ``(seq, kind, body)``, ``body``
    being the event's msgpack bytes as the outbox keeps them: spliced in, not decoded and
    encoded again. The result equals :func:`encode_message` of the decoded bodies."""
    packer = msgpack.Packer(use_bin_type=True)
    parts = [packer.pack_array_header(len(events))]
    head = packer.pack_map_header(5) + packer.pack("v") + packer.pack(PROTOCOL_VERSION)
    head += packer.pack("client") + packer.pack(client) + packer.pack("seq")
    kind_key = packer.pack("kind")
    body_key = packer.pack("body")
    for seq, kind, body in events:
        parts += (head, packer.pack(seq), kind_key, packer.pack(kind), body_key, body)
    return b"".join(parts)


def decode_message(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> list[Frame]:
    """The frames of one message, every field checked.

    Raises:
        FrameError: the message or one of its frames is refused (the whole message is:
            a sender that writes one bad frame is not trusted with the rest).
    """
    if len(data) > max_bytes:
        raise FrameError(Refusal.OVERSIZED, f"{len(data)} bytes, more than {max_bytes}")
    try:
        value = msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=True,
            max_array_len=max(MAX_FRAMES, 1 << 20),
            max_map_len=1 << 20,
        )
    except msgpack.ExtraData:
        raise FrameError(Refusal.MALFORMED, "bytes after the message's array") from None
    except Exception as error:  # any way msgpack refuses: the peer's bytes, not our bug
        raise FrameError(
            Refusal.MALFORMED, f"not msgpack ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(value, list):
        raise FrameError(
            Refusal.MALFORMED, f"a message is an array of frames, not {type(value).__name__}"
        )
    if not value:
        raise FrameError(Refusal.MALFORMED, "a message holds at least one frame")
    if len(value) > MAX_FRAMES:
        raise FrameError(Refusal.OVERSIZED, f"{len(value)} frames, more than {MAX_FRAMES}")
    return [_frame(index, item) for index, item in enumerate(value)]


def _frame(index: int, item: object) -> Frame:
    if not isinstance(item, dict):
        raise FrameError(Refusal.MALFORMED, f"a frame is a map, not {type(item).__name__}", index)
    if set(item) != set(_FIELDS):
        missing = sorted(set(_FIELDS) - set(item))
        extra = sorted(map(str, set(item) - set(_FIELDS)))
        raise FrameError(Refusal.MALFORMED, f"missing {missing}, unknown {extra}", index)
    v, client, seq, kind = item["v"], item["client"], item["seq"], item["kind"]
    if type(v) is not int:
        raise FrameError(Refusal.MALFORMED, "must be an integer", index, "v")
    if v != PROTOCOL_VERSION:
        raise FrameError(
            Refusal.VERSION, f"version {v}; this side speaks {PROTOCOL_VERSION}", index, "v"
        )
    if type(client) is not str or not 0 < len(client) <= MAX_CLIENT_LEN:
        raise FrameError(
            Refusal.MALFORMED, f"a string of 1 to {MAX_CLIENT_LEN} characters", index, "client"
        )
    if type(seq) is not int or not 0 <= seq < _U64:
        raise FrameError(Refusal.MALFORMED, "an unsigned 64-bit integer", index, "seq")
    if type(kind) is not str or not 0 < len(kind) <= MAX_KIND_LEN:
        raise FrameError(
            Refusal.MALFORMED, f"a string of 1 to {MAX_KIND_LEN} characters", index, "kind"
        )
    if seq == 0 and kind not in CONTROL_KINDS:
        raise FrameError(Refusal.UNKNOWN_KIND, f"{kind!r} is not a control frame", index, "kind")
    if seq > 0 and kind.startswith(_RESERVED_PREFIXES):
        raise FrameError(
            Refusal.UNKNOWN_KIND, f"{kind!r} is reserved for control frames", index, "kind"
        )
    return Frame(client=client, seq=seq, kind=kind, body=item["body"], v=v)
