"""One request, one answer: the gateway's control calls that carry whole files (a cloud
save up or down, a content bundle) on a connection of their own, one request in flight.

A request that gets no answer in time is given up the Lazy Pirate way: the socket is
closed with nothing kept (``linger`` 0) and the next request opens a new one, so an answer
that arrives late never meets the wrong request. A file of several megabytes on a slow
uplink takes seconds: on its own connection it never holds up the stream's
acknowledgements (which would make the stream's session give up on the gateway).
"""

from __future__ import annotations

import threading
import time

import zmq

from engine_bridge.sync.connection import GatewayConnection
from engine_bridge.sync.frames import Frame, FrameError, decode_message, encode_message
from engine_bridge.sync.keys import KeyPair

__all__ = ["GatewayRequester", "NoAnswerError"]

_STOP_CHECK_S = 0.1
"""How often a wait for an answer looks at its stop flag: a game closing never waits
for a slow upload's answer."""


class NoAnswerError(Exception):
    """The gateway did not answer in time, or answered what the codec refuses; the
    connection was dropped (the next request opens a new one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GatewayRequester:
    """Request-answer calls to the gateway at ``endpoint``, authenticated as ``keys``
    (use from one thread)."""

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        endpoint: str,
        keys: KeyPair,
        gateway_key: bytes,
    ) -> None:
        self._context = context
        self._endpoint = endpoint
        self._keys = keys
        self._gateway_key = gateway_key
        self._conn: GatewayConnection | None = None

    def use(self, endpoint: str) -> None:
        """Send the next requests to ``endpoint`` (the gateway the stream is connected to:
        several gateways share one database); a connection to another one is dropped."""
        if endpoint != self._endpoint:
            self._drop()
            self._endpoint = endpoint

    def request(self, frame: Frame, timeout_s: float, stop: threading.Event | None = None) -> Frame:
        """Send ``frame`` alone in a message and return the gateway's answer to it (the
        one frame of its answer: a ``sync.reject`` is an answer too). ``stop`` set gives
        up the wait within :data:`_STOP_CHECK_S`.

        Raises:
            NoAnswerError: no answer within ``timeout_s`` (or before ``stop``), or one
                that does not decode.
            zmq.ZMQError: the endpoint is not one ZeroMQ can connect to.
        """
        if self._conn is None:
            self._conn = GatewayConnection(
                self._context, self._endpoint, self._keys, self._gateway_key
            )
        if not self._conn.send(encode_message([frame])):
            self._drop()
            raise NoAnswerError("the request could not be queued")
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            if stop is not None and stop.is_set():
                self._drop()
                raise NoAnswerError(f"stopped while waiting for the answer to {frame.kind}")
            for parts in self._conn.receive(min(left, _STOP_CHECK_S)):
                return self._answer(parts)
        self._drop()
        raise NoAnswerError(f"no answer to {frame.kind} within {timeout_s:g} s")

    def _answer(self, parts: list[bytes]) -> Frame:
        if len(parts) != 1:
            self._drop()
            raise NoAnswerError(f"an answer of {len(parts)} parts; the protocol's have one")
        try:
            frames = decode_message(parts[0])
        except FrameError as error:
            self._drop()
            raise NoAnswerError(f"an answer the codec refuses: {error}") from None
        if len(frames) != 1:
            self._drop()
            raise NoAnswerError(f"{len(frames)} frames in the answer to one request")
        return frames[0]

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Drop the connection (idempotent)."""
        self._drop()
