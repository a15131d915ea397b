"""One connection to the gateway: a ZeroMQ DEALER socket with CURVE, made, used and
closed on the sync client's thread only (ZeroMQ sockets are not thread-safe).

Nothing here waits beyond the timeout it is given: sends never block (a message ZeroMQ
cannot queue now is reported, not waited for), and closing drops what is unsent
(``linger`` 0): the Lazy-Pirate way, a connection that timed out is thrown away whole,
and what it held is sent again on the next (from what the gateway says it holds).
"""

from __future__ import annotations

import zmq

from engine_bridge.sync.keys import KeyPair

__all__ = ["GatewayConnection"]

_MAX_RECEIVED_PER_CALL = 64  # bounds one call's work; the rest waits for the next call


class GatewayConnection:
    """A DEALER socket connected to ``endpoint``, authenticated as ``keys`` to the gateway
    whose public key is ``gateway_key``.

    Raises (from the constructor):
        zmq.ZMQError: the endpoint is not one ZeroMQ can connect to.
    """

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        endpoint: str,
        keys: KeyPair,
        gateway_key: bytes,
    ) -> None:
        socket: zmq.Socket[bytes] = context.socket(zmq.DEALER)
        try:
            socket.setsockopt(zmq.LINGER, 0)
            socket.curve_secretkey = keys.secret
            socket.curve_publickey = keys.public
            socket.curve_serverkey = gateway_key
            socket.connect(endpoint)
        except BaseException:  # a socket left open would hold its context's term()
            socket.close(linger=0)
            raise
        self._socket = socket

    def send(self, message: bytes) -> bool:
        """Queue one message for the gateway; False if ZeroMQ cannot take it now (its
        queue to the gateway is full): never waits."""
        try:
            self._socket.send(message, zmq.NOBLOCK, copy=False)
        except zmq.Again:
            return False
        return True

    def receive(self, timeout_s: float) -> list[list[bytes]]:
        """The messages that arrive within ``timeout_s`` (each a list of its parts; the
        protocol's have one): waits only until the first comes."""
        if not self._socket.poll(max(0, int(timeout_s * 1000)), zmq.POLLIN):
            return []
        received: list[list[bytes]] = []
        while len(received) < _MAX_RECEIVED_PER_CALL:
            try:
                received.append(self._socket.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                break
        return received

    def close(self) -> None:
        """Drop the socket and everything unsent (``linger`` 0)."""
        self._socket.close(linger=0)
