"""A test-only gateway peer for the sync client's unit tests: a real ZeroMQ ROUTER with
real CURVE and a ZAP allow-list on loopback, speaking just the frames the client needs
(welcome, pong, ack with a contiguous ``acked``, reject), with a durable-for-its-life
store of each stream's frames, and switches to misbehave: go silent, drop messages, lose
acknowledgements, tell a stale ``acked`` in its welcome, refuse with ``rate_limited``,
stop and start again on the same port.

It isolates the client as a unit; the real gateway (``gateway/aicore_gateway``) is what
acceptance tests run against.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from engine_bridge.sync.frames import Frame, FrameError, decode_message, encode_message

_PEER_ID = "gateway"  # the ``client`` field of what the peer sends


@dataclass
class Keys:
    """A folder as the game's ``--sync-keys`` takes it (``gateway.key`` and the game's
    ``player1.key_secret``), and the peer's own: its secret key and its allow-list."""

    game_dir: Path
    gateway_secret: Path
    allowed_dir: Path

    @classmethod
    def make(cls, root: Path, name: str = "player1") -> Keys:
        game, gateway, allowed = root / "game_keys", root / "gateway_keys", root / "allowed"
        for folder in (game, gateway, allowed):
            folder.mkdir(parents=True)
        public, secret = zmq.auth.create_certificates(gateway, "gateway")
        Path(game / "gateway.key").write_bytes(Path(public).read_bytes())
        zmq.auth.create_certificates(game, name)
        Path(allowed / f"{name}.key").write_bytes((game / f"{name}.key").read_bytes())
        return cls(game, Path(secret), allowed)


@dataclass
class Behaviour:
    """How the peer misbehaves; change it under :attr:`TestGateway.lock`."""

    silent: bool = False
    """Read everything, answer nothing, store nothing."""
    drop_messages: int = 0
    """The next this many messages of stream frames are read and dropped unanswered."""
    drop_acks: int = 0
    """The next this many acknowledgements are not sent (the frames are stored)."""
    stale_welcome: bool = False
    """Welcome with ``acked`` 0 whatever is stored (so the client sends again)."""
    reject_next: int = 0
    """The next this many messages of stream frames are refused ``rate_limited``."""
    retry_after_ms: int = 0
    heartbeat_ms: int = 200


@dataclass
class Seen:
    """What the peer received and did, for the tests to check."""

    hellos: int = 0
    pings: int = 0
    stream_messages: int = 0
    frames_received: list[tuple[float, str, int]] = field(default_factory=list)
    """(monotonic time, client, seq) of every stream frame read, stored or not."""
    duplicates: int = 0
    gaps: int = 0
    rejected_at: list[float] = field(default_factory=list)


class TestGateway:
    """The peer on ``tcp://127.0.0.1:<port>``; :meth:`stop` and :meth:`start` again
    keep the port and what was stored (a gateway restarting on its durable store)."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.lock = threading.Condition()
        self.behaviour = Behaviour()
        self.seen = Seen()
        self.stored: dict[str, list[tuple[int, str, object]]] = {}
        """Each stream's frames stored, in seq order: (seq, kind, decoded body)."""
        self.port = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._bound = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def acked(self, client: str) -> int:
        with self.lock:
            return len(self.stored.get(client, []))

    def start(self) -> TestGateway:
        self._stop.clear()
        self._bound.clear()
        self._thread = threading.Thread(target=self._run, name="test-gateway", daemon=True)
        self._thread.start()
        if not self._bound.wait(30):
            raise RuntimeError("the test gateway did not bind within 30 s")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            assert not self._thread.is_alive(), "the test gateway did not stop"
            self._thread = None

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until ``condition`` (checked under the lock) holds; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not within {timeout} s: {condition}")
                self.lock.wait(min(left, 0.05))

    # -- the peer's thread ---------------------------------------------------------------

    def _run(self) -> None:
        context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        auth = ThreadAuthenticator(context)
        auth.start()
        auth.configure_curve(domain="*", location=str(self.keys.allowed_dir))
        router: zmq.Socket[bytes] = context.socket(zmq.ROUTER)
        try:
            public, secret = zmq.auth.load_certificate(self.keys.gateway_secret)
            router.curve_secretkey = secret
            router.curve_publickey = public
            router.curve_server = True
            router.setsockopt(zmq.LINGER, 0)
            if self.port:
                router.bind(self.endpoint)
            else:
                router.bind("tcp://127.0.0.1:*")
                endpoint = router.getsockopt(zmq.LAST_ENDPOINT).decode()
                self.port = int(endpoint.rsplit(":", 1)[1])
            self._bound.set()
            while not self._stop.is_set():
                if router.poll(20, zmq.POLLIN):
                    peer, *parts = router.recv_multipart()
                    replies = self._answer(parts)
                    for reply in replies:
                        router.send_multipart([peer, reply])
        finally:
            router.close(linger=0)
            auth.stop()
            context.term()

    def _answer(self, parts: list[bytes]) -> list[bytes]:
        with self.lock:
            try:
                return self._answer_locked(parts)
            finally:
                self.lock.notify_all()

    def _answer_locked(self, parts: list[bytes]) -> list[bytes]:
        assert len(parts) == 1, parts
        try:
            frames = decode_message(parts[0])
        except FrameError as error:
            return [_refusal(error.code, error.reason, None, None)]
        self.seen.hellos += sum(f.kind == "sync.hello" for f in frames)
        self.seen.pings += sum(f.kind == "sync.ping" for f in frames)
        stream = [f for f in frames if f.seq > 0]
        now = time.monotonic()
        self.seen.frames_received += [(now, f.client, f.seq) for f in stream]
        if self.behaviour.silent:
            return []
        if not stream:
            return [self._control(f) for f in frames if f.kind in ("sync.hello", "sync.ping")]
        return self._store(stream, now)

    def _store(self, stream: list[Frame], now: float) -> list[bytes]:
        b = self.behaviour
        self.seen.stream_messages += 1
        if b.drop_messages > 0:
            b.drop_messages -= 1
            return []
        if b.reject_next > 0:
            b.reject_next -= 1
            self.seen.rejected_at.append(now)
            return [_refusal("rate_limited", "slow down", stream[0].seq, b.retry_after_ms)]
        held = self.stored.setdefault(stream[0].client, [])
        for f in stream:
            if f.seq <= len(held):
                self.seen.duplicates += 1
            elif f.seq == len(held) + 1:
                held.append((f.seq, f.kind, f.body))
            else:
                self.seen.gaps += 1
                return [_refusal("gap", f"{f.seq} after {len(held)}", f.seq, None)]
        if b.drop_acks > 0:
            b.drop_acks -= 1
            return []
        return [_reply("sync.ack", {"through": len(held)})]

    def _control(self, frame: Frame) -> bytes:
        if frame.kind == "sync.ping":
            return _reply("sync.pong", None)
        acked = 0 if self.behaviour.stale_welcome else len(self.stored.get(frame.client, []))
        return _reply("sync.welcome", {"acked": acked, "heartbeat_ms": self.behaviour.heartbeat_ms})


def _reply(kind: str, body: object) -> bytes:
    return encode_message([Frame(_PEER_ID, 0, kind, body)])


def _refusal(code: str, reason: str, seq: int | None, retry_after_ms: int | None) -> bytes:
    body = {"code": code, "reason": reason, "seq": seq, "retry_after_ms": retry_after_ms}
    return _reply("sync.reject", body)
