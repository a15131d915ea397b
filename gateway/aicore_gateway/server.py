"""The gateway's process: a ZeroMQ ROUTER with CURVE, one loop on one thread.

The loop polls the ROUTER and its socket monitor, hands the messages waiting to the
:class:`~aicore_gateway.handler.MessageHandler`, each with the key name its connection
authenticated as (the ZAP User-Id every message carries), and sends the answers back.
Beside it run the ZAP thread (:mod:`.zap`) and, when asked for, the HTTP thread
(:mod:`.http_endpoints`); the store is used from the loop only.

Stopping (:meth:`GatewayServer.request_stop`, from SIGTERM or SIGINT) lets the messages
in hand finish, their answers go out (an ack only ever after the store's commit returned),
then closes the socket, giving queued answers a moment to leave, and the store.
"""

from __future__ import annotations

import json
import logging
import time

import zmq
from zmq.utils.monitor import parse_monitor_message

from aicore_gateway.admin import Admin
from aicore_gateway.config import GatewayConfig
from aicore_gateway.connections import Connections
from aicore_gateway.content_bundles import ContentBundles
from aicore_gateway.handler import HandlerSettings, MessageHandler
from aicore_gateway.http_endpoints import HttpEndpoints
from aicore_gateway.key_control import KeyControl
from aicore_gateway.metrics import Dropped, GatewayMetrics, StoreOp
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.store_probe import StoreProbe
from aicore_gateway.stores.base import GatewayStore
from aicore_gateway.zap import ZapHandler
from engine_bridge.sync.frames import Frame, encode_message
from engine_bridge.sync.keys_folder import load_allow_list, load_gateway_key_pair

__all__ = ["GatewayServer"]

log = logging.getLogger(__name__)
ZAP_DOMAIN = b"aicore"
_POLL_MS = 100
_MESSAGES_PER_TURN = 64
_BYTES_PER_TURN = 8 * 1024 * 1024
"""Messages taken per turn of the loop (handled together: one commit per stream), before
it looks at the monitor, the readiness questions and a stop request again."""
_LINGER_MS = 2000
_STALLED_S = 30.0
_READY_TIMEOUT_S = 2.0
_RCVHWM = 100
"""Messages queued per connection before libzmq stops reading it (TCP pushes back)."""


class GatewayServer:
    """One gateway: :meth:`start` binds everything, :meth:`run` loops until stopped."""

    def __init__(self, config: GatewayConfig, store: GatewayStore) -> None:
        self._config = config
        self._store = store
        self.metrics = GatewayMetrics()
        self._server_keys = load_gateway_key_pair(config.keys)
        allow_list = load_allow_list(config.keys)
        for problem in allow_list.problems:
            log.error("keys folder: left out %s", problem)
        self._context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self._zap = ZapHandler(self._context, allow_list, self.metrics)
        self._connections = Connections()
        self._keys = KeyControl(config.keys, self._zap, self._connections, self.metrics)
        self._handler = MessageHandler(
            store,
            self.metrics,
            RateLimiter(config.rate, config.burst),
            Admin(self._keys, self._connections, self.metrics),
            HandlerSettings(
                max_message_bytes=config.max_message_bytes,
                heartbeat_ms=config.heartbeat_ms,
                retry_after_ms=config.retry_after_ms,
                admin_key=config.admin_key,
            ),
            None if config.content_bundles is None else ContentBundles(config.content_bundles),
        )
        self._probe = StoreProbe()
        self._http: HttpEndpoints | None = None
        self._router: zmq.Socket[bytes] | None = None
        self._monitor: zmq.Socket[bytes] | None = None
        self._stop_requested = False
        self._reload_requested = False
        self._stopping = False
        self._tick = time.monotonic()
        self.endpoint = ""

    @property
    def http_address(self) -> tuple[str, int] | None:
        return None if self._http is None else self._http.address

    def start(self) -> None:
        """Start the ZAP thread, bind the ROUTER, start the HTTP thread. If one fails,
        what was started is stopped (the store is left open) and the error raised."""
        try:
            self._start()
        except BaseException:
            self._release()
            raise

    def _start(self) -> None:
        self._zap.start()
        router = self._context.socket(zmq.ROUTER)
        router.curve_server = True
        router.curve_publickey = self._server_keys.public
        router.curve_secretkey = self._server_keys.secret
        router.zap_domain = ZAP_DOMAIN
        # Without a ZAP handler libzmq would let every CURVE client in: refuse instead.
        router.setsockopt(zmq.ZAP_ENFORCE_DOMAIN, 1)
        # Answers to a peer that is gone raise (and are counted) instead of vanishing.
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        # Between the limit and twice it a message is answered "oversized"; beyond,
        # libzmq drops the connection before buffering it all.
        router.setsockopt(zmq.MAXMSGSIZE, 2 * self._config.max_message_bytes + 65536)
        router.rcvhwm = _RCVHWM
        # ZMTP heartbeats find dead peers, so that "clients connected" counts live ones.
        router.heartbeat_ivl = self._config.heartbeat_ms
        router.heartbeat_timeout = 3 * self._config.heartbeat_ms
        router.linger = _LINGER_MS
        self._monitor = router.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        router.bind(self._config.bind)
        self._router = router
        self.endpoint = router.last_endpoint.decode("ascii")
        if self._config.http is not None:
            host, port = self._config.http
            self._http = HttpEndpoints(
                host, port, self._healthy, self._ready, self.metrics.exposition
            )
            self._http.start()
        log.info(
            "listening on %s (keys %s: %d allowed; http %s)",
            self.endpoint,
            self._config.keys,
            len(self._keys.names),
            self.http_address,
        )

    def announcement(self) -> str:
        """The line printed once listening: JSON with the bound endpoints."""
        http = self.http_address
        return json.dumps(
            {
                "event": "listening",
                "bind": self.endpoint,
                "http": None if http is None else f"{http[0]}:{http[1]}",
            }
        )

    def request_stop(self) -> None:
        """Stop after the messages in hand (safe from a signal handler)."""
        self._stop_requested = True

    def request_reload(self) -> None:
        """Read the keys folder again at the next turn (safe from a signal handler)."""
        self._reload_requested = True

    def run(self) -> None:
        """The loop, until :meth:`request_stop`; then everything is closed."""
        router, monitor = self._router, self._monitor
        if router is None or monitor is None:
            raise RuntimeError("start() the gateway before run()")
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(monitor, zmq.POLLIN)
        try:
            while not self._stop_requested:
                self._tick = time.monotonic()
                ready = dict(poller.poll(_POLL_MS))
                if monitor in ready:
                    self._drain_monitor(monitor)
                if router in ready:
                    self._drain_router(router)
                self._probe.answer(
                    self._store.ping, self.metrics.store_latency[StoreOp.PING].observe
                )
                if self._reload_requested:
                    self._reload_requested = False
                    self._reload_keys()
        finally:
            self._shut_down()

    def _reload_keys(self) -> None:
        try:
            self._keys.reload()
        except OSError as error:  # the folder unreadable: the list in memory stays
            log.error("SIGHUP: the keys folder cannot be read: %s", error)

    def _drain_router(self, router: zmq.Socket[bytes]) -> None:
        """Take the messages waiting (up to a turn's worth), handle them together (one
        commit per stream for them all) and answer each."""
        batch: list[tuple[bytes, str, bytes]] = []
        size = 0
        while len(batch) < _MESSAGES_PER_TURN and size < _BYTES_PER_TURN:
            try:
                parts = router.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                break
            taken = self._take(parts)
            if taken is not None:
                batch.append(taken)
                size += len(taken[2])
        if not batch:
            return
        try:
            answers = self._handler.handle_many([(key, data) for _, key, data in batch])
        except Exception:  # a bug must not take the gateway down
            self.metrics.internal_errors.inc()
            log.exception("error while handling %d messages; nothing answered", len(batch))
            return
        for (routing_id, key, _), frames in zip(batch, answers, strict=True):
            if frames:
                self._answer(router, routing_id, key, frames)

    def _answer(
        self, router: zmq.Socket[bytes], routing_id: bytes, key: str, frames: list[Frame]
    ) -> None:
        try:
            router.send_multipart([routing_id, encode_message(frames)], zmq.NOBLOCK)
        except zmq.ZMQError as error:
            # Gone (EHOSTUNREACH) or not reading (EAGAIN): it will ask again when back.
            self.metrics.dropped[Dropped.UNDELIVERED].inc()
            log.info("an answer to %r was not delivered: %s", key, error.strerror)
        except Exception:  # an answer that does not encode is a bug: logged, not fatal
            self.metrics.internal_errors.inc()
            log.exception("an answer to %r could not be encoded", key)

    def _take(self, parts: list[zmq.Frame]) -> tuple[bytes, str, bytes] | None:
        """A received message as (routing id, key name, data), or None if dropped."""
        if len(parts) != 2:
            self.metrics.dropped[Dropped.BAD_ENVELOPE].inc()
            log.warning("dropped a message of %d parts (a DEALER sends one)", len(parts) - 1)
            return None
        envelope, message = parts
        try:
            key = message.get("User-Id")
        except zmq.ZMQError:
            self.metrics.dropped[Dropped.NO_IDENTITY].inc()
            log.error("dropped a message without a ZAP User-Id")
            return None
        if not self._keys.allows(key):
            self.metrics.dropped[Dropped.NOT_ALLOWED].inc()
            log.info("dropped a message from %r, no longer allowed", key)
            return None
        routing_id = envelope.bytes
        try:
            fd = message.get(zmq.SRCFD)
        except zmq.ZMQError:  # no descriptor (not TCP or IPC): not counted, not kickable
            fd = -1
        if fd >= 0 and self._connections.seen(fd, key, routing_id):
            self.metrics.clients_connected.set(len(self._connections))
        return routing_id, key, message.bytes

    def _drain_monitor(self, monitor: zmq.Socket[bytes]) -> None:
        while True:
            try:
                event = parse_monitor_message(monitor.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                break
            if event["event"] == zmq.EVENT_DISCONNECTED:
                self._connections.gone(int(event["value"]))
        self.metrics.clients_connected.set(len(self._connections))

    def _healthy(self) -> str | None:
        if self._stopping or self._stop_requested:
            return "stopping"
        stalled = time.monotonic() - self._tick
        if stalled > _STALLED_S:
            return f"the loop has not turned for {stalled:.0f} s"
        return None

    def _ready(self) -> str | None:
        if self._stopping or self._stop_requested:
            return "stopping"
        return self._probe.ask(_READY_TIMEOUT_S)

    def _shut_down(self) -> None:
        self._stopping = True
        log.info("stopping")
        # A readiness question waiting now is answered; one asked while the HTTP thread
        # stops waits its timeout at most.
        self._probe.refuse("stopping")
        self._release()
        self._store.close()
        log.info("stopped")

    def _release(self) -> None:
        """Close the sockets and stop the threads (not the store)."""
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self._router is not None:
            self._router.disable_monitor()
            self._router.close()  # lingers up to _LINGER_MS for answers still queued
            self._router = None
        if self._monitor is not None:
            self._monitor.close(linger=0)
            self._monitor = None
        self._zap.stop()
        self._context.term()
