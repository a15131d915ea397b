"""The gateway's configuration, from its command line (``docs/sync.md``, "The gateway")::

    aicore-gateway --bind tcp://127.0.0.1:5555 --store sqlite:/var/lib/aicore/gateway.db \\
        --keys /etc/aicore/keys [--http 127.0.0.1:9100] [--rate 20000] [--admin-key ops]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.sync.frames import MAX_MESSAGE_BYTES

__all__ = ["GatewayConfig", "build_parser", "parse_config"]


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    bind: str
    """ZeroMQ endpoint of the ROUTER: ``tcp://HOST:PORT`` (``tcp://127.0.0.1:*``: any port)."""
    store: str
    """``sqlite:PATH`` or ``postgresql://...``."""
    keys: Path
    """The keys folder: ``gateway.key_secret`` and ``allowed/NAME.key``."""
    http: tuple[str, int] | None = None
    rate: float | None = None
    """Frames per second per key (None: no limit)."""
    burst: float | None = None
    """The most frames a key may send at once (default: one second's worth)."""
    admin_key: str | None = None
    content_bundles: Path | None = None
    """The folder of signed content bundles answered to ``content.get`` (None: none)."""
    max_message_bytes: int = MAX_MESSAGE_BYTES
    heartbeat_ms: int = 5000
    retry_after_ms: int = 1000
    log_level: str = "INFO"


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: HOST:PORT, e.g. 127.0.0.1:9100")
    return host, int(port)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number more than 0")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number more than 0")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aicore-gateway",
        description="The AI Core cloud gateway: stores what game clients sync, exactly once.",
    )
    parser.add_argument("--bind", required=True, metavar="ENDPOINT", help="tcp://HOST:PORT")
    parser.add_argument(
        "--store", required=True, metavar="URL", help="sqlite:PATH or postgresql://..."
    )
    parser.add_argument(
        "--keys",
        required=True,
        type=Path,
        metavar="DIR",
        help="keys folder: gateway.key_secret and allowed/NAME.key (aicore keys)",
    )
    parser.add_argument(
        "--http", type=_host_port, metavar="HOST:PORT", help="serve /healthz /readyz /metrics"
    )
    parser.add_argument(
        "--rate",
        type=_positive_float,
        metavar="FRAMES_PER_S",
        help="per key: frames per second (events and control frames; default: no limit)",
    )
    parser.add_argument(
        "--burst", type=_positive_float, metavar="FRAMES", help="per key (default: --rate)"
    )
    parser.add_argument("--admin-key", metavar="NAME", help="the key allowed admin.* commands")
    parser.add_argument(
        "--content-bundles",
        type=Path,
        metavar="DIR",
        help="answer content.get with the newest signed bundle of DIR (docs/sync.md)",
    )
    parser.add_argument(
        "--max-message-bytes",
        type=_positive_int,
        default=MAX_MESSAGE_BYTES,
        metavar="N",
        help=f"larger messages are refused as oversized (default {MAX_MESSAGE_BYTES})",
    )
    parser.add_argument(
        "--heartbeat-ms",
        type=_positive_int,
        default=5000,
        metavar="MS",
        help="sync.welcome's ping interval for clients (default 5000)",
    )
    parser.add_argument(
        "--retry-after-ms",
        type=_positive_int,
        default=1000,
        metavar="MS",
        help="what an unavailable store answers clients to wait (default 1000)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    return parser


def parse_config(argv: Sequence[str] | None = None) -> GatewayConfig:
    """The configuration of command line ``argv`` (argparse exits with 2 on a bad one)."""
    args = build_parser().parse_args(argv)
    return GatewayConfig(
        bind=args.bind,
        store=args.store,
        keys=args.keys,
        http=args.http,
        rate=args.rate,
        burst=args.burst,
        admin_key=args.admin_key,
        content_bundles=args.content_bundles,
        max_message_bytes=args.max_message_bytes,
        heartbeat_ms=args.heartbeat_ms,
        retry_after_ms=args.retry_after_ms,
        log_level=args.log_level,
    )
