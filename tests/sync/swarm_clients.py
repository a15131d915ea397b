"""Many simulated sync clients in one process, for the gateway's load benchmark
(``test_bench_gateway_swarm.py``): one ZeroMQ context, one CURVE DEALER per client (its
own connection and its own stream ``<key>/<prefix>-<n>``), one poller over them all, so
that a thousand clients cost a loop, not a thousand Python threads.

Each client says hello, then keeps ``--window`` messages of ``--batch`` events in flight,
sending the next as acks free the window; a refusal makes it send again from what the
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
    in_flight: deque[tuple[int, float]] = field(default_factory=deque)


def _hello(client: _Client) -> None:
    client.socket.send(encode_message([Frame(client.stream, 0, "sync.hello", {"agent": "swarm"})]))


def _connect(args: argparse.Namespace) -> tuple[zmq.Context[zmq.Socket[bytes]], list[_Client]]:
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    context.max_sockets = args.clients + 16
    keys = load_key_pair(args.client_key)
    server = load_public_key(args.server_key)
    endpoints = args.endpoint.split(",")
    clients = []
    for n in range(args.clients):
        socket = context.socket(zmq.DEALER)
        socket.linger = 0
        socket.curve_serverkey = server
        socket.curve_publickey = keys.public
        socket.curve_secretkey = keys.secret
        socket.connect(endpoints[n % len(endpoints)])
        clients.append(_Client(f"{keys.name}/{args.prefix}-{n}", socket))
    return context, clients


def run(args: argparse.Namespace) -> Results:
    context, clients = _connect(args)
    poller = zmq.Poller()
    by_socket = {}
    for client in clients:
        poller.register(client.socket, zmq.POLLIN)
        by_socket[client.socket] = client
        _hello(client)
    deadline = time.monotonic() + args.timeout
    waiting = len(clients)
    while waiting:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(clients) - waiting} of {len(clients)} welcomed")
        for socket, _ in poller.poll(1000):
            for frame in decode_message(socket.recv()):
                client = by_socket[socket]
                if frame.kind == "sync.welcome" and not client.welcomed:
                    client.welcomed, client.acked = True, frame.body["acked"]
                    client.sent_through = client.acked
                    waiting -= 1
    print(json.dumps({"event": "ready"}), flush=True)
    sys.stdin.readline()  # the go: every process starts together

    latencies: list[float] = []
    rejects: Counter[str] = Counter()
    resent = acked_in_window = 0
    started = time.monotonic()
    stop_sending = started + args.duration if args.duration else float("inf")
    deadline = (stop_sending if args.duration else started) + args.timeout
    target = args.events or None

    def fill(client: _Client, now: float) -> None:
        nonlocal resent
        while len(client.in_flight) < args.window and now >= client.paused_until:
            first = client.sent_through + 1
            last = first + args.batch - 1
            if target is not None:
                last = min(last, target)
            if first > last or now >= stop_sending:
                return
            rows = [(seq, "event.custom", BODY) for seq in range(first, last + 1)]
            client.socket.send(encode_stream_message(client.stream, rows), zmq.NOBLOCK)
            client.in_flight.append((last, time.monotonic()))
            client.sent_through = last

    def done() -> bool:
        if target is not None:
            return all(client.acked >= target for client in clients)
        return time.monotonic() >= stop_sending and not any(c.in_flight for c in clients)

    now = time.monotonic()
    for client in clients:
        fill(client, now)
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("the gateway did not acknowledge everything in time")
        for socket, _ in poller.poll(50):
            client = by_socket[socket]
            while True:
                try:
                    data = socket.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                now = time.monotonic()
                for frame in decode_message(data):
                    if frame.kind == "sync.ack" and frame.body["through"] > client.acked:
                        through = frame.body["through"]
                        if now <= stop_sending:
                            acked_in_window += through - client.acked
                        client.acked = through
                        while client.in_flight and client.in_flight[0][0] <= through:
                            latencies.append(now - client.in_flight.popleft()[1])
                    elif frame.kind == "sync.reject":
                        # Send again from what the gateway holds, after what it asked.
                        rejects[frame.body["code"]] += 1
                        wait_ms = frame.body.get("retry_after_ms") or 100
                        client.paused_until = now + wait_ms / 1000
                        resent += client.sent_through - client.acked
                        client.sent_through = client.acked
                        client.in_flight.clear()
        now = time.monotonic()
        for client in clients:
            fill(client, now)
    window_s = args.duration or (time.monotonic() - started)
    if target is not None:
        acked_in_window = sum(client.acked for client in clients)
    context.destroy(linger=0)
    return Results(
        clients=len(clients),
        acked={client.stream: client.acked for client in clients},
        acked_in_window=acked_in_window,
        window_s=window_s,
        latencies_s=latencies,
        rejects=dict(rejects),
        resent=resent,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="one, or several separated by ','")
    parser.add_argument("--server-key", type=Path, required=True)
    parser.add_argument("--client-key", type=Path, required=True, help="a .key_secret file")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--prefix", required=True, help="the streams' ids: <prefix>-<n>")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--events", type=int, default=0, help="per client, then stop")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds of sending")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    if bool(args.events) == bool(args.duration):
        parser.error("give --events or --duration")
    print(json.dumps(asdict(run(args))), flush=True)


if __name__ == "__main__":
    main()
