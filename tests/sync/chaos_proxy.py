"""A ZeroMQ proxy for fault tests: it stands between the sync client and the gateway and
drops, duplicates, delays and reorders whole messages, with a seeded random generator.

CURVE encrypts and authenticates each connection end to end, so nothing can tamper with
frames in flight; this proxy terminates CURVE on both sides instead. Towards the client
it is a ROUTER holding the gateway's server key pair; towards the gateway it opens one
DEALER per client connection holding the client's key pair (the test owns every key).
The gateway therefore authenticates the real client key, and the client checks the real
server key: neither can tell the proxy is there, except by what it does to messages.

Every message, in each direction, meets the dice in this order: dropped (``drop``);
else sent once or twice (``duplicate``); each copy delayed by a random time (``delay``,
``delay_s``), or else held back and sent right after the next message of the same
connection and direction (``reorder``: a swap, counted when it happens; one held back
longer than ``hold_s`` goes out alone and is not counted), or else sent at once. The
draws come from one ``random.Random(seed)``; which message meets which draw depends on
timing, so a run is not replayed exactly, but its rates are the ones asked for.

One proxy serves one client key (every connection it accepts is carried to the gateway
with that key). A client that reconnects comes with a new routing id and gets a new
DEALER; the old ones stay open until :meth:`ChaosProxy.stop` (copies still delayed on
them reach the gateway late, as on a real network). The proxy's thread owns every
socket; :meth:`ChaosProxy.stop` joins it and raises what stopped it, if anything did.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from dataclasses import dataclass, field, replace

import zmq

from engine_bridge.sync.keys import KeyPair

__all__ = ["Chaos", "ChaosProxy", "ProxyCounts"]

_POLL_MS = 5
_START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Chaos:
    """What happens to messages: each a probability per message (per copy for
    ``delay`` and ``reorder``), the same in both directions."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    delay_s: tuple[float, float] = (0.005, 0.05)
    """A delayed copy waits a time drawn uniformly from this range."""
    reorder: float = 0.0
    hold_s: float = 0.2
    """How long a copy held back for a swap waits for the next message at most."""
    seed: int = 1


@dataclass(slots=True)
class ProxyCounts:
    """What the proxy did, over both directions."""

    received: int = 0
    """Messages taken from either side."""
    forwarded: int = 0
    """Copies sent on (duplicates included)."""
    dropped: int = 0
    """Messages the dice dropped."""
    duplicated: int = 0
    """Extra copies sent."""
    delayed: int = 0
    reordered: int = 0
    """Swaps: a held-back copy sent after the one that came behind it."""
    undeliverable: int = 0
    """Copies ZeroMQ would not take (a queue full, a client gone): lost like a drop."""
    connections: int = 0
    """Client connections seen (each is one DEALER to the gateway)."""
    not_one_part: int = 0
    """Messages of more or fewer than one part (not the protocol's): dropped."""


@dataclass(order=True, slots=True)
class _Due:
    at: float
    order: int
    to_gateway: bool = field(compare=False)
    peer: bytes = field(compare=False)
    payload: bytes = field(compare=False)


class ChaosProxy:
    """Carries ``client_keys``'s connections to ``gateway_endpoint`` through ``chaos``.
    :meth:`start` binds a free port of 127.0.0.1: :attr:`endpoint` is where the client
    connects (its server key stays the gateway's)."""

    def __init__(
        self,
        gateway_endpoint: str,
        server_keys: KeyPair,
        client_keys: KeyPair,
        chaos: Chaos,
    ) -> None:
        self._gateway = gateway_endpoint
        self._server_keys = server_keys
        self._client_keys = client_keys
        self._chaos = chaos
        self._random = random.Random(chaos.seed)
        self._counts = ProxyCounts()
        self._lock = threading.Lock()  # guards _counts against readers on other threads
        self._stop = threading.Event()
        self._bound = threading.Event()
        self._error: BaseException | None = None
        self.endpoint = ""
        self._thread = threading.Thread(target=self._run, name="chaos-proxy", daemon=True)
        # Owned by the proxy's thread, made there:
        self._context: zmq.Context[zmq.Socket[bytes]] | None = None
        self._front: zmq.Socket[bytes] | None = None
        self._poller = zmq.Poller()
        self._backs: dict[bytes, zmq.Socket[bytes]] = {}
        self._peers: dict[zmq.Socket[bytes], bytes] = {}
        self._held: dict[tuple[bool, bytes], _Due] = {}
        self._due: list[_Due] = []
        self._order = itertools.count()

    def start(self) -> ChaosProxy:
        """Start the thread; returns once :attr:`endpoint` is bound."""
        self._thread.start()
        if not self._bound.wait(_START_TIMEOUT_S) or not self.endpoint:
            self.stop()
            raise RuntimeError(f"the chaos proxy did not start: {self._error!r}")
        return self

    def counts(self) -> ProxyCounts:
        """A copy of the counters now."""
        with self._lock:
            return replace(self._counts)

    def stop(self) -> None:
        """Stop the thread (every socket closed, nothing unsent kept); raise what
        stopped it early, if anything."""
        self._stop.set()
        self._thread.join(_START_TIMEOUT_S)
        if self._thread.is_alive():
            raise RuntimeError("the chaos proxy's thread did not stop")
        if self._error is not None:
            raise RuntimeError("the chaos proxy's thread failed") from self._error

    def __enter__(self) -> ChaosProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self._context = context
        try:
            front = context.socket(zmq.ROUTER)
            front.linger = 0
            front.curve_server = True
            front.curve_publickey = self._server_keys.public
            front.curve_secretkey = self._server_keys.secret
            # An answer for a client gone raises (counted) rather than vanish unseen.
            front.setsockopt(zmq.ROUTER_MANDATORY, 1)
            port = front.bind_to_random_port("tcp://127.0.0.1")
            self._front = front
            self.endpoint = f"tcp://127.0.0.1:{port}"
            self._poller.register(front, zmq.POLLIN)
            self._bound.set()
            while not self._stop.is_set():
                self._turn(front)
        except BaseException as error:  # kept for stop() to raise: never lost silently
            self._error = error
        finally:
            self._bound.set()
            context.destroy(linger=0)

    def _turn(self, front: zmq.Socket[bytes]) -> None:
        now = time.monotonic()
        timeout_s = _POLL_MS / 1000
        if self._due:
            timeout_s = min(timeout_s, max(0.0, self._due[0].at - now))
        ready = dict(self._poller.poll(timeout_s * 1000))
        if front in ready:
            while True:
                try:
                    peer, *parts = front.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._back(peer)
                self._chaotic(True, peer, parts)
        for back, peer in list(self._peers.items()):
            if back not in ready:
                continue
            while True:
                try:
                    parts = back.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._chaotic(False, peer, parts)
        now = time.monotonic()
        while self._due and self._due[0].at <= now:
            due = heapq.heappop(self._due)
            self._send(due.to_gateway, due.peer, due.payload)
        for where, held in list(self._held.items()):
            if now - held.at > self._chaos.hold_s:  # nothing came to swap with
                del self._held[where]
                self._send(held.to_gateway, held.peer, held.payload)

    def _back(self, peer: bytes) -> zmq.Socket[bytes]:
        back = self._backs.get(peer)
        if back is None:
            assert self._context is not None
            back = self._context.socket(zmq.DEALER)
            back.linger = 0
            back.curve_serverkey = self._server_keys.public
            back.curve_publickey = self._client_keys.public
            back.curve_secretkey = self._client_keys.secret
            back.connect(self._gateway)
            self._backs[peer] = back
            self._peers[back] = peer
            self._poller.register(back, zmq.POLLIN)
            with self._lock:
                self._counts.connections += 1
        return back

    def _chaotic(self, to_gateway: bool, peer: bytes, parts: list[bytes]) -> None:
        chaos, dice = self._chaos, self._random.random
        with self._lock:
            self._counts.received += 1
            if len(parts) != 1:  # the protocol's messages have one part
                self._counts.not_one_part += 1
                return
        payload = parts[0]
        if dice() < chaos.drop:
            with self._lock:
                self._counts.dropped += 1
            return
        copies = 2 if dice() < chaos.duplicate else 1
        if copies == 2:
            with self._lock:
                self._counts.duplicated += 1
        where = (to_gateway, peer)
        for _ in range(copies):
            now = time.monotonic()
            if dice() < chaos.delay:
                at = now + self._random.uniform(*chaos.delay_s)
                heapq.heappush(self._due, _Due(at, next(self._order), to_gateway, peer, payload))
                with self._lock:
                    self._counts.delayed += 1
            elif where not in self._held and dice() < chaos.reorder:
                self._held[where] = _Due(now, next(self._order), to_gateway, peer, payload)
            else:
                self._send(to_gateway, peer, payload)
                held = self._held.pop(where, None)
                if held is not None:  # the one held back goes after this one: swapped
                    self._send(to_gateway, peer, held.payload)
                    if held.payload is not payload:  # a copy after its twin is no swap
                        with self._lock:
                            self._counts.reordered += 1

    def _send(self, to_gateway: bool, peer: bytes, payload: bytes) -> None:
        try:
            if to_gateway:
                self._backs[peer].send(payload, zmq.NOBLOCK)
            else:
                assert self._front is not None
                self._front.send_multipart([peer, payload], zmq.NOBLOCK)
        except zmq.ZMQError as error:
            # A queue full (EAGAIN) or the client gone (EHOSTUNREACH): lost in flight,
            # which is what this proxy is for; counted, never raised.
            if error.errno not in (zmq.EAGAIN, zmq.EHOSTUNREACH):
                raise
            with self._lock:
                self._counts.undeliverable += 1
            return
        with self._lock:
            self._counts.forwarded += 1
