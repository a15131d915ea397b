"""The sync client's thread: connect, say hello, send the outbox's events in a window of
messages, keep the connection alive with heartbeats, and start over when it dies.

Reliability is the Lazy Pirate's: a connection that misses its deadline (no welcome, no
acknowledgement, silence: ``session.py``) is closed with nothing kept (``linger`` 0), and
after a wait (``backoff.py``) a new one says hello again and sends everything after what
the gateway says it holds. Given several gateways (sharing one database), the client
starts at a random one and each new connection after one given up goes to the next.
Delivery is at least once; the gateway applies each frame once. Nothing here is ever
waited on by the game thread: what the game needs (the acknowledged ``seq``) goes
through an :class:`~engine_bridge.sync.acked_slot.AckedSlot`.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import zmq

from engine_bridge.sync.acked_slot import AckedSlot
from engine_bridge.sync.backoff import backoff_delay, retry_after_delay
from engine_bridge.sync.config import SyncTuning
from engine_bridge.sync.connection import GatewayConnection
from engine_bridge.sync.frames import (
    Frame,
    FrameError,
    decode_message,
    encode_message,
    encode_stream_message,
)
from engine_bridge.sync.keys import KeyPair
from engine_bridge.sync.metrics import SyncFault, SyncFaultKind, SyncState
from engine_bridge.sync.session import Session

__all__ = ["OutboxSource", "SyncWorker", "WorkerCounters"]

log = logging.getLogger("aicore.sync")

# Per-frame overhead of a stream frame in a message beyond its kind and body (the map,
# its keys, v, client and seq): an upper bound used to cut messages under the size limit.
_FRAME_OVERHEAD = 48


class OutboxSource(Protocol):
    """What the worker reads: the stream's frames waiting, as the outbox keeps them."""

    def pending(self, after: int, limit: int) -> Sequence[tuple[int, str, bytes]]:
        """Frames with ``seq > after``, oldest first, at most ``limit``: (seq, kind, body
        msgpack bytes), ``seq`` the stream's."""
        ...

    def generation(self) -> int:
        """A number that changes whenever new frames may have become readable."""
        ...


class WorkerCounters:
    """The worker's counters: written on its thread, copied under ``lock`` by readers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = SyncState.STOPPED
        self.frames_sent = 0
        self.frames_resent = 0
        self.messages_sent = 0
        self.acked_through = 0
        self.in_flight = 0
        self.connects = 0
        self.reconnects = 0
        self.pings_sent = 0
        self.endpoint = ""
        self.rejects: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.last_fault: SyncFault | None = None

    def fault(self, fault: SyncFault) -> None:
        """Count ``fault`` and keep it as the last (under :attr:`lock`)."""
        self.faults[fault.kind] += 1
        self.last_fault = fault


class SyncWorker:
    """The loop of the sync client's thread (``run``); every attribute is its own."""

    def __init__(
        self,
        *,
        endpoints: Sequence[str],
        keys: KeyPair,
        gateway_key: bytes,
        client: str,
        agent: str,
        tuning: SyncTuning,
        source: OutboxSource,
        slot: AckedSlot,
        rng: random.Random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not endpoints:
            raise ValueError("the sync client needs at least one gateway endpoint")
        self.counters = WorkerCounters()
        self._endpoints = tuple(endpoints)
        # A random first gateway spreads games given the same list over all of them.
        self._endpoint_index = rng.randrange(len(endpoints)) if len(endpoints) > 1 else 0
        self.counters.endpoint = self._endpoints[self._endpoint_index]
        self._keys = keys
        self._gateway_key = gateway_key
        self._client = client
        self._tuning = tuning
        self._source = source
        self._slot = slot
        self._rng = rng
        self._clock = clock
        self._hello = encode_message([Frame(client, 0, "sync.hello", {"agent": agent})])
        self._ping = encode_message([Frame(client, 0, "sync.ping", None)])
        self._conn: GatewayConnection | None = None
        self._session: Session | None = None
        self._attempt = 0  # failed tries in a row: the backoff's exponent
        self._next_try = 0.0
        self._reject_streak = 0  # refusals since the last acknowledgement
        self._highest_sent = 0  # across connections: what is sent again is a resend
        self._drained: tuple[int, int] | None = None  # (after, generation) found empty

    # -- the loop ----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Sync until ``stop`` is set (checked at least every ``tuning.poll_s``)."""
        context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        try:
            self._set_state(SyncState.OFFLINE)
            while not stop.is_set():
                self._step(context, stop)
        except Exception as error:  # a bug: said loudly, and the game goes on without sync
            log.exception("sync: the client thread stopped")
            with self.counters.lock:
                self.counters.fault(
                    SyncFault(SyncFaultKind.CRASHED, f"{type(error).__name__}: {error}")
                )
            raise
        finally:
            if self._conn is not None:
                self._conn.close()
            context.destroy(linger=0)
            self._set_state(SyncState.STOPPED)

    def _step(self, context: zmq.Context[zmq.Socket[bytes]], stop: threading.Event) -> None:
        now = self._clock()
        if self._conn is None or self._session is None:
            if now < self._next_try:
                stop.wait(min(self._next_try - now, self._tuning.poll_s))
            else:
                self._open(context, now)
            return
        session = self._session
        wait = min(self._tuning.poll_s, max(0.0, session.next_deadline(now) - now))
        for parts in self._conn.receive(wait):
            self._on_message(parts)
            if self._session is None:
                return  # the reply ended the connection (a refused hello)
        now = self._clock()
        fault = session.expired(now)
        if fault is not None:
            self._give_up(fault, now)
            return
        if session.ping_due(now) and self._conn.send(self._ping):
            session.pinged(now)
            with self.counters.lock:
                self.counters.pings_sent += 1
        self._fill_window(session, now)

    # -- connections -------------------------------------------------------------------

    @property
    def _endpoint(self) -> str:
        return self._endpoints[self._endpoint_index]

    def _open(self, context: zmq.Context[zmq.Socket[bytes]], now: float) -> None:
        try:
            self._conn = GatewayConnection(context, self._endpoint, self._keys, self._gateway_key)
        except zmq.ZMQError as error:
            fault = SyncFault(SyncFaultKind.SOCKET, f"{self._endpoint}: {error}")
            self._fail(fault, now, None)
            return
        self._session = Session(self._tuning, now)
        self._drained = None
        if not self._conn.send(self._hello):  # a fresh socket queues it: only a bug says no
            self._give_up(SyncFault(SyncFaultKind.SOCKET, "the hello could not be queued"), now)
            return
        self._set_state(SyncState.CONNECTING)

    def _give_up(self, fault: SyncFault, now: float, delay: float | None = None) -> None:
        """The connection is dead: drop it whole, and try again after a wait."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._session = None
        with self.counters.lock:
            self.counters.reconnects += 1
            self.counters.in_flight = 0
        self._fail(fault, now, delay)

    def _fail(self, fault: SyncFault, now: float, delay: float | None) -> None:
        self._attempt += 1
        # The next try goes to the next gateway (the same one when there is only one).
        self._endpoint_index = (self._endpoint_index + 1) % len(self._endpoints)
        if delay is None:
            t = self._tuning
            delay = backoff_delay(
                self._attempt, self._rng, initial_s=t.backoff_initial_s, cap_s=t.backoff_cap_s
            )
        self._next_try = now + delay
        log.warning(
            "sync: %s: %s; trying %s in %.2f s", fault.kind, fault.reason, self._endpoint, delay
        )
        with self.counters.lock:
            self.counters.fault(fault)
            self.counters.endpoint = self._endpoint
        self._set_state(SyncState.OFFLINE)

    # -- what the gateway says ---------------------------------------------------------

    def _on_message(self, parts: list[bytes]) -> None:
        if len(parts) != 1:
            self._bad_reply(f"a message of {len(parts)} parts; the protocol's have one")
            return
        try:
            frames = decode_message(parts[0])
        except FrameError as error:
            self._bad_reply(str(error))
            return
        now = self._clock()
        assert self._session is not None
        self._session.heard(now)
        for frame in frames:
            if self._session is None:
                return
            self._on_frame(self._session, frame, now)

    def _on_frame(self, session: Session, frame: Frame, now: float) -> None:
        body = frame.body if isinstance(frame.body, dict) else {}
        if frame.kind == "sync.welcome":
            acked, heartbeat_ms = _int(body, "acked"), _int(body, "heartbeat_ms")
            if acked is None or heartbeat_ms is None:
                self._bad_reply(f"a welcome without integer acked and heartbeat_ms: {body!r}")
                return
            session.welcome(acked, heartbeat_ms, now)
            self._attempt = 0
            self._slot.publish(acked)
            with self.counters.lock:
                self.counters.connects += 1
                self.counters.acked_through = max(self.counters.acked_through, acked)
            self._set_state(SyncState.ONLINE)
            log.info("sync: online at %s, the gateway holds %d frames", self._endpoint, acked)
        elif frame.kind == "sync.ack":
            through = _int(body, "through")
            if through is None:
                self._bad_reply(f"an ack without an integer through: {body!r}")
            elif session.ack(through):
                self._reject_streak = 0
                self._slot.publish(through)
                with self.counters.lock:
                    self.counters.acked_through = max(self.counters.acked_through, through)
                    self.counters.in_flight = session.in_flight
        elif frame.kind == "sync.reject":
            self._on_reject(session, body, now)
        elif frame.kind != "sync.pong":  # answers to calls this client does not make
            log.debug("sync: %s from the gateway, ignored", frame.kind)

    def _on_reject(self, session: Session, body: Mapping[str, object], now: float) -> None:
        code = str(body.get("code", "?"))
        reason = str(body.get("reason", ""))
        seq, retry_after_ms = _int(body, "seq"), _int(body, "retry_after_ms")
        fault = SyncFault(SyncFaultKind.REJECTED, reason, code)
        with self.counters.lock:
            self.counters.rejects[code] += 1
            self.counters.fault(fault)
        if session.state is SyncState.CONNECTING:  # the hello itself was refused
            delay = None
            if retry_after_ms is not None:
                delay = self._retry_after(retry_after_ms)
            self._give_up(fault, now, delay)
            return
        if seq is not None and seq > session.sent_through:
            return  # about a message sent before the last rewind: already dealt with
        self._reject_streak += 1
        if retry_after_ms is not None:
            delay = self._retry_after(retry_after_ms)
        else:
            t = self._tuning
            delay = backoff_delay(
                self._reject_streak, self._rng, initial_s=t.backoff_initial_s, cap_s=t.backoff_cap_s
            )
        if self._reject_streak == 1:
            log.warning("sync: refused (%s: %s); sending again in %.2f s", code, reason, delay)
        session.rewind()
        session.pause(now + delay)
        with self.counters.lock:
            self.counters.in_flight = 0

    def _retry_after(self, retry_after_ms: int) -> float:
        return retry_after_delay(retry_after_ms, self._rng, max_s=self._tuning.retry_after_max_s)

    def _bad_reply(self, reason: str) -> None:
        # Not counted as a word from the gateway: one that only talks nonsense goes silent.
        fault = SyncFault(SyncFaultKind.BAD_REPLY, reason)
        log.warning("sync: %s: %s", fault.kind, reason)
        with self.counters.lock:
            self.counters.fault(fault)

    # -- sending -----------------------------------------------------------------------

    def _fill_window(self, session: Session, now: float) -> None:
        assert self._conn is not None
        while session.may_send(now):
            generation = self._source.generation()
            after = session.sent_through
            if self._drained == (after, generation):
                return  # found empty, and nothing committed since
            try:
                rows = self._source.pending(after, self._tuning.batch_frames)
            except sqlite3.Error as error:
                fault = SyncFault(SyncFaultKind.OUTBOX, f"{type(error).__name__}: {error}")
                self._give_up(fault, now)
                return
            if not rows:
                self._drained = (after, generation)
                return
            rows = self._cut_to_size(rows)
            if not self._conn.send(encode_stream_message(self._client, rows)):
                return  # ZeroMQ's queue is full: the acks will make room
            last = rows[-1][0]
            resent = max(0, min(last, self._highest_sent) - rows[0][0] + 1)
            self._highest_sent = max(self._highest_sent, last)
            session.sent(last, now)
            with self.counters.lock:
                c = self.counters
                c.messages_sent += 1
                c.frames_sent += len(rows)
                c.frames_resent += resent
                c.in_flight = session.in_flight

    def _cut_to_size(
        self, rows: Sequence[tuple[int, str, bytes]]
    ) -> Sequence[tuple[int, str, bytes]]:
        # The first frame always goes: one frame over the limit is the gateway's to refuse
        # (counted as a reject), not a reason to stop the stream here silently.
        budget = self._tuning.max_message_bytes - 16 - len(self._client)
        size = 0
        for index, (_, kind, body) in enumerate(rows):
            size += _FRAME_OVERHEAD + len(self._client) + len(kind) + len(body)
            if size > budget and index > 0:
                return rows[:index]
        return rows

    def _set_state(self, state: SyncState) -> None:
        with self.counters.lock:
            self.counters.state = state


def _int(body: Mapping[str, object], key: str) -> int | None:
    value = body.get(key)
    return value if type(value) is int else None
