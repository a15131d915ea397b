"""The control frames the gateway answers with (``docs/sync.md``, "Control frames").

Each is addressed to the stream (``client``) it answers; an answer to a message refused
as a whole (not msgpack, too big) goes to the connection's key name.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine_bridge.sync.frames import Frame, Refusal

__all__ = [
    "MAX_REASON_CHARS",
    "ack",
    "admin_reply",
    "content_bundle",
    "pong",
    "reject",
    "welcome",
]

MAX_REASON_CHARS = 300
"""A reason quotes what the peer sent at times (an unknown field's name): it is cut here,
so that an answer is never much bigger than the question's headers."""


def reject(
    client: str,
    code: Refusal,
    reason: str,
    seq: int | None = None,
    retry_after_ms: int | None = None,
) -> Frame:
    """``sync.reject``: ``{"code", "reason", "seq", "retry_after_ms"}``."""
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 3] + "..."
    body = {"code": code.value, "reason": reason, "seq": seq, "retry_after_ms": retry_after_ms}
    return Frame(client=client, seq=0, kind="sync.reject", body=body)


def ack(client: str, through: int) -> Frame:
    """``sync.ack``: every seq <= ``through`` of ``client`` is durably stored."""
    return Frame(client=client, seq=0, kind="sync.ack", body={"through": through})


def welcome(client: str, acked: int, heartbeat_ms: int) -> Frame:
    """``sync.welcome``: where the stream stands, and how often to ping."""
    body = {"acked": acked, "heartbeat_ms": heartbeat_ms}
    return Frame(client=client, seq=0, kind="sync.welcome", body=body)


def pong(client: str) -> Frame:
    return Frame(client=client, seq=0, kind="sync.pong", body=None)


def admin_reply(client: str, body: Mapping[str, object]) -> Frame:
    return Frame(client=client, seq=0, kind="admin.reply", body=dict(body))


def content_bundle(client: str, body: Mapping[str, object]) -> Frame:
    """``content.bundle``: ``{"version": int, "bundle": bytes}`` or both nil."""
    return Frame(client=client, seq=0, kind="content.bundle", body=dict(body))
