"""The gateway's authenticated connections: which key each TCP connection authenticated
with, so that ``admin.kick`` can close a key's connections and ``/metrics`` can count them.

ZeroMQ's ROUTER has no call to close one peer. Each message carries the file descriptor
of the connection it came on (``ZMQ_SRCFD``); the gateway remembers it with the peer's
address, and a kick shuts that socket down (``shutdown(2)`` on a duplicate of the
descriptor: libzmq sees the connection end and cleans up as for any peer that went
away). The peer address is checked first, so a descriptor that libzmq has since closed
and reused for another connection is never touched. The socket monitor's
``DISCONNECTED`` events take connections off the list.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

__all__ = ["Connection", "Connections"]

log = logging.getLogger(__name__)
PeerAddress = tuple[str, int] | str | None


@dataclass(frozen=True, slots=True)
class Connection:
    key: str
    routing_id: bytes
    peer: PeerAddress


def _duplicate(fd: int) -> socket.socket | None:
    """A socket object on a duplicate of ``fd`` (closing it leaves ``fd`` open)."""
    try:
        copy = os.dup(fd)
    except OSError:
        return None
    try:
        return socket.socket(fileno=copy)
    except OSError:
        os.close(copy)
        return None


def _peer_of(fd: int) -> PeerAddress:
    sock = _duplicate(fd)
    if sock is None:
        return None
    with sock:
        try:
            return sock.getpeername()  # type: ignore[no-any-return]
        except OSError:
            return None


class Connections:
    """Connections by descriptor; every method runs on the gateway's loop."""

    def __init__(self) -> None:
        self._by_fd: dict[int, Connection] = {}

    def __len__(self) -> int:
        return len(self._by_fd)

    def seen(self, fd: int, key: str, routing_id: bytes) -> bool:
        """A message from ``key`` came on ``fd``; True when the connection is new."""
        known = self._by_fd.get(fd)
        if known is not None and known.routing_id == routing_id:
            return False
        self._by_fd[fd] = Connection(key, routing_id, _peer_of(fd))
        return True

    def gone(self, fd: int) -> None:
        """The socket monitor says ``fd`` disconnected."""
        self._by_fd.pop(fd, None)

    def keys(self) -> dict[str, int]:
        """Connections per key name."""
        counts: dict[str, int] = {}
        for connection in self._by_fd.values():
            counts[connection.key] = counts.get(connection.key, 0) + 1
        return counts

    def close_key(self, key: str) -> int:
        """Shut down every connection of ``key``; returns how many were closed."""
        closed = 0
        for fd, connection in list(self._by_fd.items()):
            if connection.key != key:
                continue
            del self._by_fd[fd]
            if connection.peer is None or _peer_of(fd) != connection.peer:
                # Closed (and maybe reused) since its last message: nothing of ours to close.
                continue
            sock = _duplicate(fd)
            if sock is None:
                continue
            with sock:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError as error:
                    log.warning(
                        "could not close %s's connection %s: %s", key, connection.peer, error
                    )
                    continue
            closed += 1
        return closed
