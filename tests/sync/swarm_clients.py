"""Many simulated sync clients in one process, for the gateway's load benchmark
(``test_bench_gateway_swarm.py``): one ZeroMQ context, one CURVE DEALER per client (its
own connection and its own stream ``<key>/<prefix>-<n>``), one poller over them all, so
that a thousand clients cost a loop, not a thousand Python threads.

Each client says hello, then keeps ``--window`` messages of ``--batch`` events in flight,
sending the next as acks free the window (or, with ``--interval``, one message per
interval at most, the clients' first sends spread over the first interval: a paced load
like games that send their frames' events); a refusal makes it send again from what the
gateway holds (as the game's client does). The time from sending a message to the
first ack covering it is its latency.

Run by the benchmark, never by hand in the tests: it prints ``{"event": "ready"}`` once
every client is welcomed, starts sending when a line comes on stdin, and prints one JSON
line of results at the end (``Results``). With ``--events`` each client sends exactly
that many and the run ends when all are acknowledged; with ``--duration`` they send
until then, the run ends once what is in flight is acknowledged, and the events
acknowledged before the duration was up are counted apart (the rate's numerator).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgpack
import zmq

from engine_bridge.sync.frames import Frame, decode_message, encode_message, encode_stream_message
from engine_bridge.sync.keys import load_key_pair, load_public_key

BODY = msgpack.packb({"npc": 7, "said": "hello", "mood": 0.5})


@dataclass
class Results:
    """What one process's clients did (the JSON line it prints)."""

    clients: int
    acked: dict[str, int]
    """Each stream's highest acknowledged seq."""
    acked_in_window: int
    """Events acknowledged between the start and the end of ``--duration``."""
    window_s: float
    """How long the sending lasted (``--duration``, or until the last ack)."""
    latencies_s: list[float]
    rejects: dict[str, int]
    resent: int


@dataclass
class _Client:
    stream: str
    socket: zmq.Socket[bytes]
    acked: int = 0
    sent_through: int = 0
    welcomed: bool = False
    paused_until: float = 0.0
    next_send: float = 0.0
    in_flight: deque[tuple[int, float]] = field(default_factory=deque)


class Swarm:
    """The clients of one process, their sockets on one poller."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self.context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self.context.max_sockets = args.clients + 16
        keys = load_key_pair(args.client_key)
        server = load_public_key(args.server_key)
        endpoints = args.endpoint.split(",")
        self.clients: list[_Client] = []
        self._poller = zmq.Poller()
        self._by_socket: dict[zmq.Socket[bytes], _Client] = {}
        for n in range(args.clients):
            socket = self.context.socket(zmq.DEALER)
            socket.linger = 0
            socket.curve_serverkey = server
            socket.curve_publickey = keys.public
            socket.curve_secretkey = keys.secret
            socket.connect(endpoints[n % len(endpoints)])
            client = _Client(f"{keys.name}/{args.prefix}-{n}", socket)
            self.clients.append(client)
            self._poller.register(socket, zmq.POLLIN)
            self._by_socket[socket] = client
        self._target: int | None = args.events or None
        self._stop_sending = float("inf")
        self.latencies: list[float] = []
        self.rejects: Counter[str] = Counter()
        self.resent = 0
        self.acked_in_window = 0

    def welcome_all(self) -> None:
        """Say hello on every connection; return once each is welcomed."""
        for client in self.clients:
            hello = Frame(client.stream, 0, "sync.hello", {"agent": "swarm"})
            client.socket.send(encode_message([hello]))
        deadline = time.monotonic() + self._args.timeout
        waiting = len(self.clients)
        while waiting:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(self.clients) - waiting} clients welcomed")
            for socket, _ in self._poller.poll(1000):
                client = self._by_socket[socket]
                for frame in decode_message(socket.recv()):
                    if frame.kind == "sync.welcome" and not client.welcomed:
                        client.welcomed, client.acked = True, frame.body["acked"]
                        client.sent_through = client.acked
                        waiting -= 1

    def run(self) -> Results:
        """Send until done (every event acknowledged, or the duration up and nothing in
        flight); the figures."""
        args = self._args
        started = time.monotonic()
        if args.duration:
            self._stop_sending = started + args.duration
        deadline = (self._stop_sending if args.duration else started) + args.timeout
        spread = random.Random(len(self.clients))
        for client in self.clients:
            client.next_send = started + spread.random() * args.interval
            self._fill(client, started)
        while not self._done():
            if time.monotonic() > deadline:
                raise SystemExit("the gateway did not acknowledge everything in time")
            for socket, _ in self._poller.poll(10 if args.interval else 50):
                self._receive(self._by_socket[socket])
            now = time.monotonic()
            for client in self.clients:
                self._fill(client, now)
        acked = {client.stream: client.acked for client in self.clients}
        return Results(
            clients=len(self.clients),
            acked=acked,
            acked_in_window=sum(acked.values()) if self._target else self.acked_in_window,
            window_s=args.duration or (time.monotonic() - started),
            latencies_s=self.latencies,
            rejects=dict(self.rejects),
            resent=self.resent,
        )

    def _done(self) -> bool:
        if self._target is not None:
            return all(client.acked >= self._target for client in self.clients)
        sending = time.monotonic() < self._stop_sending
        return not sending and not any(client.in_flight for client in self.clients)

    def _fill(self, client: _Client, now: float) -> None:
        args = self._args
        while (
            len(client.in_flight) < args.window
            and now >= client.paused_until
            and now >= client.next_send
            and now < self._stop_sending
        ):
            first = client.sent_through + 1
            last = first + args.batch - 1
            if self._target is not None:
                last = min(last, self._target)
            if first > last:
                return
            rows = [(seq, "event.custom", BODY) for seq in range(first, last + 1)]
            client.socket.send(encode_stream_message(client.stream, rows), zmq.NOBLOCK)
            client.in_flight.append((last, time.monotonic()))
            client.sent_through = last
            if args.interval:
                client.next_send = max(client.next_send + args.interval, now)

    def _receive(self, client: _Client) -> None:
        while True:
            try:
                data = client.socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            now = time.monotonic()
            for frame in decode_message(data):
                if frame.kind == "sync.ack" and frame.body["through"] > client.acked:
                    through = frame.body["through"]
                    if now <= self._stop_sending:
                        self.acked_in_window += through - client.acked
                    client.acked = through
                    while client.in_flight and client.in_flight[0][0] <= through:
                        self.latencies.append(now - client.in_flight.popleft()[1])
                elif frame.kind == "sync.reject":
                    # Send again from what the gateway holds, after what it asked.
                    self.rejects[frame.body["code"]] += 1
                    wait_ms = frame.body.get("retry_after_ms") or 100
                    client.paused_until = now + wait_ms / 1000
                    self.resent += client.sent_through - client.acked
                    client.sent_through = client.acked
                    client.in_flight.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="one, or several separated by ','")
    parser.add_argument("--server-key", type=Path, required=True)
    parser.add_argument("--client-key", type=Path, required=True, help="a .key_secret file")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--prefix", required=True, help="the streams' ids: <prefix>-<n>")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between sends")
    parser.add_argument("--events", type=int, default=0, help="per client, then stop")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds of sending")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    if bool(args.events) == bool(args.duration):
        parser.error("give --events or --duration")
    swarm = Swarm(args)
    try:
        swarm.welcome_all()
        print(json.dumps({"event": "ready"}), flush=True)
        sys.stdin.readline()  # the go: every process starts sending together
        results = swarm.run()
    finally:
        swarm.context.destroy(linger=0)
    print(json.dumps(asdict(results)), flush=True)


if __name__ == "__main__":
    main()
