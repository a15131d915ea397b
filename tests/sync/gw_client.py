"""A test's client of the gateway: a pyzmq DEALER with real CURVE keys on loopback,
speaking the frames of ``engine_bridge.sync.frames`` (not the game's sync client)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import msgpack
import zmq
from gw_process import TIMEOUT_S

from engine_bridge.sync.frames import (
    Frame,
    decode_message,
    encode_message,
    encode_stream_message,
)
from engine_bridge.sync.keys import KeyPair, load_public_key

BODY = msgpack.packb({"npc": 7, "said": "hello", "mood": 0.5})


def events(first: int, last: int, kind: str = "event.custom") -> list[tuple[int, str, bytes]]:
    """Outbox rows ``first..last`` as the outbox keeps them."""
    return [(seq, kind, BODY) for seq in range(first, last + 1)]


class CurveClient:
    """One DEALER connection authenticated with ``key``."""

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        endpoint: str,
        server_public: Path,
        key: KeyPair,
    ) -> None:
        self.key = key
        self.socket = context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.curve_serverkey = load_public_key(server_public)
        self.socket.curve_publickey = key.public
        self.socket.curve_secretkey = key.secret
        self.socket.connect(endpoint)

    def send(self, payload: bytes) -> None:
        self.socket.send(payload)

    def receive(self, timeout_s: float = TIMEOUT_S) -> list[Frame]:
        if not self.socket.poll(int(timeout_s * 1000)):
            raise AssertionError(f"no answer from the gateway within {timeout_s:g} s")
        return decode_message(self.socket.recv())

    def ask(self, payload: bytes) -> list[Frame]:
        self.send(payload)
        return self.receive()

    def control(self, kind: str, body: object = None, stream: str = "m1") -> list[Frame]:
        frame = Frame(f"{self.key.name}/{stream}", 0, kind, body)
        return self.ask(encode_message([frame]))

    def stream(self, rows: Sequence[tuple[int, str, bytes]], stream: str = "m1") -> list[Frame]:
        return self.ask(encode_stream_message(f"{self.key.name}/{stream}", rows))

    def close(self) -> None:
        self.socket.close(linger=0)


@contextmanager
def curve_client(endpoint: str, server_public: Path, key: KeyPair) -> Iterator[CurveClient]:
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    client = CurveClient(context, endpoint, server_public, key)
    try:
        yield client
    finally:
        client.close()
        context.term()


def only(frames: list[Frame], kind: str) -> Frame:
    """The one frame of ``kind`` among ``frames``."""
    found = [frame for frame in frames if frame.kind == kind]
    assert len(found) == 1, frames
    return found[0]
