"""The gateway's ZAP handler (ZeroMQ RFC 27): lets a CURVE client in when its public key
is on the allow-list, and names the connection after the key (the ZAP User-Id, which
every message from it then carries as its ``User-Id`` property).

It runs on its own thread with its own REP socket; the gateway's loop swaps
:attr:`ZapHandler.allow_list` (one reference, replaced whole) when keys are reloaded or
kicked. The gateway's ROUTER sets ``ZAP_ENFORCE_DOMAIN``, so a missing handler refuses
everyone rather than letting everyone in.
"""

from __future__ import annotations

import logging
import threading

import zmq
import zmq.utils.z85

from aicore_gateway.metrics import GatewayMetrics
from engine_bridge.sync.keys_folder import AllowList

__all__ = ["ZAP_ENDPOINT", "ZapHandler"]

ZAP_ENDPOINT = "inproc://zeromq.zap.01"
_POLL_MS = 100
log = logging.getLogger(__name__)


class ZapHandler:
    """Answers ZAP requests on a thread of its own until :meth:`stop`."""

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        allow_list: AllowList,
        metrics: GatewayMetrics,
    ) -> None:
        self.allow_list = allow_list
        self._context = context
        self._metrics = metrics
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="aicore-gateway-zap", daemon=True)

    def start(self) -> None:
        """Start the thread; returns once its socket is bound (before any client can
        connect), or raises what stopped it from binding."""
        self._thread.start()
        self._ready.wait()
        if self._failed is not None:
            raise self._failed

    def stop(self) -> None:
        """Stop the thread (if it was started) and close its socket."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            socket = self._context.socket(zmq.REP)
            socket.linger = 0
            socket.bind(ZAP_ENDPOINT)
        except zmq.ZMQError as error:
            self._failed = error
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                if socket.poll(_POLL_MS):
                    socket.send_multipart(self._answer(socket.recv_multipart()))
        finally:
            socket.close()

    def _answer(self, request: list[bytes]) -> list[bytes]:
        if len(request) < 6:
            # Not from libzmq (it always sends six parts or more): answer in form anyway,
            # a REP socket must reply before it can receive again.
            log.error("ZAP: a request of %d parts", len(request))
            return [
                b"1.0",
                request[1] if len(request) > 1 else b"",
                b"500",
                b"bad request",
                b"",
                b"",
            ]
        version, request_id, _domain, address, _routing_id, mechanism = request[:6]
        credentials = request[6:]
        name = None
        if version == b"1.0" and mechanism == b"CURVE" and len(credentials) == 1:
            public = credentials[0]
            if len(public) == 32:
                name = self.allow_list.names_by_key.get(zmq.utils.z85.encode(public))
        if name is None:
            self._metrics.auth_denied.inc()
            key = (
                zmq.utils.z85.encode(credentials[0]).decode("ascii")
                if mechanism == b"CURVE" and credentials and len(credentials[0]) == 32
                else "-"
            )
            log.info(
                "ZAP: refused %s from %s (key %s)",
                mechanism.decode("ascii", "replace"),
                address.decode("ascii", "replace"),
                key,
            )
            return [b"1.0", request_id, b"400", b"key not allowed", b"", b""]
        return [b"1.0", request_id, b"200", b"OK", name.encode("utf-8"), b""]
