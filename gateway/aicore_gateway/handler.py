"""What the gateway does with one message from an authenticated key: the frames it
answers with. No sockets here: the server's loop receives, calls :meth:`handle`, sends.

A message is refused whole (one ``sync.reject``, nothing stored) when it does not decode,
when any frame names a stream that is not the key's, when a stream's seqs do not ascend,
or when the key is over its rate. Otherwise its frames are handled in order: each run of
stream frames of one stream is one ``store.append`` (one transaction), answered by a
``sync.ack`` once it has returned (committed), plus a ``gap`` reject when frames were
missing before some; each control frame gets its answer. If the store fails, the rest
of the message is left (the client sends it again) and ``unavailable`` is answered.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import msgpack

from aicore_gateway import replies
from aicore_gateway.admin import ADMIN_KINDS, Admin, AdminError
from aicore_gateway.metrics import GatewayMetrics, StoreOp
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.stores.base import GatewayStore, StoreUnavailableError
from engine_bridge.sync.frames import (
    MAX_MESSAGE_BYTES,
    Frame,
    FrameError,
    Refusal,
    decode_message,
)

__all__ = ["HandlerSettings", "MessageHandler"]

log = logging.getLogger(__name__)
# Kinds of CONTROL_KINDS a client may send that this gateway does not serve (yet).
_NOT_SERVED = frozenset({"save.put", "save.get", "save.list", "content.get"})


@dataclass(frozen=True, slots=True)
class HandlerSettings:
    max_message_bytes: int = MAX_MESSAGE_BYTES
    heartbeat_ms: int = 5000
    """What ``sync.welcome`` tells clients: ping at least this often."""
    retry_after_ms: int = 1000
    """What ``unavailable`` tells clients to wait before sending again."""
    admin_key: str | None = None


def _where(error: FrameError) -> str:
    if error.index is None:
        return error.reason
    field = f" field {error.field!r}" if error.field else ""
    return f"frame {error.index}{field}: {error.reason}"


class MessageHandler:
    """Handles messages on the gateway's loop (not thread-safe: one loop, one handler)."""

    def __init__(
        self,
        store: GatewayStore,
        metrics: GatewayMetrics,
        limiter: RateLimiter,
        admin: Admin | None,
        settings: HandlerSettings,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._limiter = limiter
        self._admin = admin
        self._settings = settings
        self._pack = msgpack.Packer(use_bin_type=True).pack

    def handle(self, key: str, data: bytes) -> list[Frame]:
        """The answers to message ``data`` from the connection authenticated as ``key``."""
        self._metrics.messages.inc()
        try:
            frames = decode_message(data, max_bytes=self._settings.max_message_bytes)
        except FrameError as error:
            return [self._reject(key, key, error.code, _where(error))]
        refused = self._refusal(key, frames)
        if refused is not None:
            return [refused]
        answers: list[Frame] = []
        index, count = 0, len(frames)
        while index < count:
            frame = frames[index]
            if frame.seq == 0:
                index += 1
                if not self._control(key, frame, answers):
                    break
                continue
            end = index + 1
            while end < count and frames[end].seq and frames[end].client == frame.client:
                end += 1
            if not self._append(key, frame.client, frames[index:end], answers):
                break
            index = end
        return answers

    def _refusal(self, key: str, frames: list[Frame]) -> Frame | None:
        """The reject that refuses the whole message, or None."""
        prefix = key + "/"
        last_seq: dict[str, int] = {}
        for frame in frames:
            client, seq = frame.client, frame.seq
            # A stream is "<key>/<stream id>"; a control frame may also name the key alone.
            if not (client.startswith(prefix) or (seq == 0 and client == key)):
                reason = f"stream {client!r} is not {key!r}'s: its streams are '{prefix}<id>'"
                return self._reject(key, key, Refusal.NOT_YOUR_STREAM, reason, seq or None)
            if seq:
                if seq <= last_seq.get(client, 0):
                    reason = f"seq {seq} of {client!r} after {last_seq[client]}: seqs ascend"
                    return self._reject(key, client, Refusal.MALFORMED, reason, seq)
                last_seq[client] = seq
        wait_ms = self._limiter.take(key, len(frames))
        if wait_ms:
            first = next((frame for frame in frames if frame.seq), frames[0])
            return self._reject(
                key,
                first.client,
                Refusal.RATE_LIMITED,
                f"over {self._limiter.rate:g} frames/s (burst {self._limiter.burst:g})",
                first.seq or None,
                wait_ms,
            )
        return None

    def _reject(
        self,
        key: str,
        client: str,
        code: Refusal,
        reason: str,
        seq: int | None = None,
        retry_after_ms: int | None = None,
    ) -> Frame:
        self._metrics.rejects[code].inc()
        log.info("reject %s to %s (%s): %s", code, key, client, reason[:200])
        return replies.reject(client, code, reason, seq, retry_after_ms)

    def _unavailable(self, key: str, client: str, error: Exception, answers: list[Frame]) -> None:
        if isinstance(error, StoreUnavailableError):
            reason = f"the store cannot be reached: {error}"
        else:
            # A bug of ours or the store's: logged with its traceback, the client retries.
            self._metrics.internal_errors.inc()
            log.error("error while handling %s's message", key, exc_info=error)
            reason = f"internal error ({type(error).__name__}); logged by the gateway"
        retry = self._settings.retry_after_ms
        answers.append(self._reject(key, client, Refusal.UNAVAILABLE, reason, None, retry))

    def _append(self, key: str, client: str, run: list[Frame], answers: list[Frame]) -> bool:
        pack = self._pack
        rows = [(frame.seq, frame.kind, pack(frame.body)) for frame in run]
        started = time.perf_counter()
        try:
            result = self._store.append(client, rows)
        except Exception as error:  # never crash on a store's failure
            self._unavailable(key, client, error, answers)
            return False
        finally:
            self._metrics.store_latency[StoreOp.APPEND].observe(time.perf_counter() - started)
        metrics = self._metrics
        if result.stored:
            metrics.events_stored.inc(result.stored)
        if result.duplicates:
            metrics.duplicates.inc(result.duplicates)
        answers.append(replies.ack(client, result.acked_through))
        metrics.acks_sent.inc()
        if result.gap_at is not None:
            reason = (
                f"seq {result.gap_at} arrived with seqs after {result.acked_through} missing: "
                f"send from {result.acked_through + 1}"
            )
            answers.append(self._reject(key, client, Refusal.GAP, reason, result.gap_at))
        return True

    def _control(self, key: str, frame: Frame, answers: list[Frame]) -> bool:
        """Answer control frame ``frame``; False when the rest of the message is left."""
        kind, client = frame.kind, frame.client
        if kind == "sync.ping":
            answers.append(replies.pong(client))
        elif kind == "sync.hello":
            return self._hello(key, frame, answers)
        elif kind in ADMIN_KINDS:
            self._admin_command(key, frame, answers)
        elif kind in _NOT_SERVED:
            reason = f"{kind!r} is not served by this gateway"
            answers.append(self._reject(key, client, Refusal.UNKNOWN_KIND, reason))
        else:
            reason = f"{kind!r} is sent by the gateway, never to it"
            answers.append(self._reject(key, client, Refusal.UNKNOWN_KIND, reason))
        return True

    def _hello(self, key: str, frame: Frame, answers: list[Frame]) -> bool:
        body: Any = frame.body
        if body is not None and not isinstance(body, dict):
            reason = 'sync.hello\'s body is {"agent": "<client software>"}'
            answers.append(self._reject(key, frame.client, Refusal.MALFORMED, reason))
            return True
        started = time.perf_counter()
        try:
            acked = self._store.acked_through(frame.client)
        except Exception as error:  # never crash on a store's failure
            self._unavailable(key, frame.client, error, answers)
            return False
        finally:
            latency = self._metrics.store_latency[StoreOp.ACKED_THROUGH]
            latency.observe(time.perf_counter() - started)
        agent = body.get("agent") if body else None
        log.info("hello from %s (%s), acked through %d", frame.client, agent, acked)
        answers.append(replies.welcome(frame.client, acked, self._settings.heartbeat_ms))
        return True

    def _admin_command(self, key: str, frame: Frame, answers: list[Frame]) -> None:
        if self._admin is None or key != self._settings.admin_key:
            reason = f"{frame.kind!r} comes from the admin key only"
            answers.append(self._reject(key, frame.client, Refusal.NOT_ADMIN, reason))
            return
        try:
            body = self._admin.run(frame.kind, frame.body)
        except AdminError as error:
            answers.append(self._reject(key, frame.client, error.code, error.reason))
            return
        log.info("admin %s by %s: %s", frame.kind, key, body if frame.kind != "admin.stats" else "")
        answers.append(replies.admin_reply(frame.client, body))
