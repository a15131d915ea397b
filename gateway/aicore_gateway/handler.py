"""What the gateway does with messages from authenticated keys: the frames it answers
each with. No sockets here: the server's loop receives, calls :meth:`handle_many`, sends.

A message is refused whole (one ``sync.reject``, nothing stored) when it does not decode,
when any frame names a stream that is not the key's, when a stream's seqs do not ascend,
or when the key is over its rate. Otherwise its frames are handled in order: each run of
stream frames of one stream is one ``store.append`` (one transaction), answered by a
``sync.ack`` once it has returned (committed), plus a ``gap`` reject when frames were
missing before some; each control frame gets its answer. If the store fails, the rest
of the message is left (the client sends it again) and ``unavailable`` is answered.

Group commit: the loop hands over the messages waiting for it together. Consecutive
messages that hold nothing but frames of one stream, ascending, are stored by one
``store.append`` (one commit for them all, not one each), and each is answered as if
alone: its ack (the stream's ``acked_through`` after the commit) and, if some of its
frames were refused for a gap, the gap. Any other message is handled on its own, after
the stores of the ones before it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

from aicore_gateway import replies
from aicore_gateway.admin import ADMIN_KINDS, Admin, AdminError
from aicore_gateway.content_bundles import ContentBundles
from aicore_gateway.metrics import GatewayMetrics, StoreOp
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.save_frames import SAVE_KINDS, SaveRequests
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
_SAVE_OPS = {
    "save.put": StoreOp.PUT_SAVE,
    "save.get": StoreOp.LATEST_SAVE,
    "save.list": StoreOp.LIST_SAVES,
}


@dataclass(frozen=True, slots=True)
class _Queued:
    """A message's stream frames waiting for their stream's append."""

    index: int
    """The message's place in the batch (where its answers go)."""
    key: str
    rows: list[tuple[int, str, bytes]]


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
        bundles: ContentBundles | None = None,
    ) -> None:
        self._store = store
        self._saves = SaveRequests(store)
        self._bundles = bundles
        self._metrics = metrics
        self._limiter = limiter
        self._admin = admin
        self._settings = settings
        self._pack = msgpack.Packer(use_bin_type=True).pack
        self._store_failure: str | None = None

    def handle(self, key: str, data: bytes) -> list[Frame]:
        """The answers to message ``data`` from the connection authenticated as ``key``."""
        return self.handle_many([(key, data)])[0]

    def handle_many(self, messages: Sequence[tuple[str, bytes]]) -> list[list[Frame]]:
        """The answers to each of ``messages`` (``(key, data)``, in the order received)."""
        answers: list[list[Frame]] = [[] for _ in messages]
        pending: dict[str, list[_Queued]] = {}
        # Once the store fails, the rest of the batch is answered without asking it again
        # (a PostgreSQL that is down takes seconds to say so, each time).
        self._store_failure = None
        for index, (key, data) in enumerate(messages):
            admitted = self._admit(key, data)
            if isinstance(admitted, Frame):
                answers[index].append(admitted)
                continue
            frames, stream = admitted
            if stream is None:
                # Control frames or several streams: after everything before it is stored.
                for client in list(pending):
                    self._store_group(client, pending.pop(client), answers)
                self._handle_alone(key, frames, answers[index])
                continue
            pack = self._pack
            rows = [(frame.seq, frame.kind, pack(frame.body)) for frame in frames]
            group = pending.setdefault(stream, [])
            if group and group[-1].rows[-1][0] >= rows[0][0]:
                # A resend of what is queued: stored after it (the store takes ascending seqs).
                self._store_group(stream, group, answers)
                group = pending[stream] = []
            group.append(_Queued(index, key, rows))
        for client, group in pending.items():
            self._store_group(client, group, answers)
        return answers

    def _admit(self, key: str, data: bytes) -> Frame | tuple[list[Frame], str | None]:
        """The reject that refuses message ``data`` whole; else its frames, and its stream
        when it holds nothing but frames of that one stream."""
        self._metrics.messages.inc()
        try:
            frames = decode_message(data, max_bytes=self._settings.max_message_bytes)
        except FrameError as error:
            return self._reject(key, key, error.code, _where(error))
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
        only_stream = len(last_seq) == 1 and all(frame.seq for frame in frames)
        return frames, (frames[0].client if only_stream else None)

    def _handle_alone(self, key: str, frames: list[Frame], answers: list[Frame]) -> None:
        index, count = 0, len(frames)
        while index < count:
            frame = frames[index]
            if frame.seq == 0:
                index += 1
                if not self._control(key, frame, answers):
                    return
                continue
            end = index + 1
            while end < count and frames[end].seq and frames[end].client == frame.client:
                end += 1
            pack = self._pack
            rows = [(run.seq, run.kind, pack(run.body)) for run in frames[index:end]]
            if not self._store_group(frame.client, [_Queued(0, key, rows)], [answers]):
                return
            index = end

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

    def _unavailable(self, key: str, error: Exception) -> str:
        """The reason to give for store failure ``error`` (logged if it is a bug); the
        rest of the batch is answered with it too."""
        if isinstance(error, StoreUnavailableError):
            reason = f"the store cannot be reached: {error}"
        else:
            # A bug of ours or the store's: logged with its traceback, the client retries.
            self._metrics.internal_errors.inc()
            log.error("error while handling %s's message", key, exc_info=error)
            reason = f"internal error ({type(error).__name__}); logged by the gateway"
        self._store_failure = reason
        return reason

    def _store_group(self, client: str, group: list[_Queued], answers: list[list[Frame]]) -> bool:
        """Store the rows of ``group`` (messages' frames of stream ``client``) in one
        append and answer each message in ``answers[its index]``; False if the store
        failed (each was answered ``unavailable``)."""
        rows = group[0].rows if len(group) == 1 else [row for q in group for row in q.rows]
        reason = self._store_failure
        if reason is None:
            started = time.perf_counter()
            try:
                result = self._store.append(client, rows)
            except Exception as error:  # never crash on a store's failure
                reason = self._unavailable(group[0].key, error)
            finally:
                latency = time.perf_counter() - started
                self._metrics.store_latency[StoreOp.APPEND].observe(latency)
        if reason is not None:
            retry = self._settings.retry_after_ms
            for queued in group:
                answers[queued.index].append(
                    self._reject(queued.key, client, Refusal.UNAVAILABLE, reason, None, retry)
                )
            return False
        metrics = self._metrics
        if result.stored:
            metrics.events_stored.inc(result.stored)
        if result.duplicates:
            metrics.duplicates.inc(result.duplicates)
        metrics.acks_sent.inc(len(group))
        through = result.acked_through
        for queued in group:
            answers[queued.index].append(replies.ack(client, through))
            if result.gap_at is not None and queued.rows[-1][0] > through:
                reason = (
                    f"seq {result.gap_at} arrived with seqs after {through} missing: "
                    f"send from {through + 1}"
                )
                answers[queued.index].append(
                    self._reject(queued.key, client, Refusal.GAP, reason, result.gap_at)
                )
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
        elif kind == "content.get":
            self._content(key, frame, answers)
        elif kind in SAVE_KINDS:
            return self._save(key, frame, answers)
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
        reason = self._store_failure
        if reason is None:
            started = time.perf_counter()
            try:
                acked = self._store.acked_through(frame.client)
            except Exception as error:  # never crash on a store's failure
                reason = self._unavailable(key, error)
            finally:
                latency = self._metrics.store_latency[StoreOp.ACKED_THROUGH]
                latency.observe(time.perf_counter() - started)
        if reason is not None:
            retry = self._settings.retry_after_ms
            answers.append(
                self._reject(key, frame.client, Refusal.UNAVAILABLE, reason, None, retry)
            )
            return False
        agent = body.get("agent") if body else None
        log.info("hello from %s (%s), acked through %d", frame.client, agent, acked)
        answers.append(replies.welcome(frame.client, acked, self._settings.heartbeat_ms))
        return True

    def _save(self, key: str, frame: Frame, answers: list[Frame]) -> bool:
        """Answer a save frame (``save_frames.py``); False when the store failed (the
        rest of the message is left, as for stream frames)."""
        reason = self._store_failure
        if reason is None:
            started = time.perf_counter()
            try:
                answer = self._saves.answer(key, frame)
            except FrameError as error:  # a malformed body, no such save: not the store's
                answers.append(self._reject(key, frame.client, error.code, error.reason))
                return True
            except Exception as error:  # never crash on a store's failure
                reason = self._unavailable(key, error)
            finally:
                latency = self._metrics.store_latency[_SAVE_OPS[frame.kind]]
                latency.observe(time.perf_counter() - started)
        if reason is not None:
            retry = self._settings.retry_after_ms
            answers.append(
                self._reject(key, frame.client, Refusal.UNAVAILABLE, reason, None, retry)
            )
            return False
        body = answer.body
        if answer.kind == "save.stored":
            self._metrics.saves_stored.inc()
            if body["conflict_of"] is not None:
                self._metrics.save_conflicts.inc()
                log.warning(
                    "save %s/%s %s from %s conflicts with %s (both kept)",
                    key,
                    body["slot"],
                    body["sha256"],
                    frame.client,
                    body["conflict_of"],
                )
        if answer.kind != "save.listing":
            log.info(
                "%s to %s: slot %s, %s", answer.kind, frame.client, body["slot"], body["sha256"]
            )
        answers.append(answer)
        return True

    def _content(self, key: str, frame: Frame, answers: list[Frame]) -> None:
        if self._bundles is None:
            reason = "this gateway serves no content bundles (--content-bundles)"
            answers.append(self._reject(key, frame.client, Refusal.UNKNOWN_KIND, reason))
            return
        try:
            body = self._bundles.answer(frame.body)
        except FrameError as error:
            answers.append(self._reject(key, frame.client, error.code, error.reason))
            return
        log.info("content.get from %s: version %s", frame.client, body["version"])
        answers.append(replies.content_bundle(frame.client, body))

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
