"""``aicore gateway ARGS...``: the cloud gateway, the same as ``aicore-gateway ARGS...``
(``docs/sync.md``, "The gateway"). The gateway is its own package (``gateway/``), never
shipped with a game: without it installed, this says how to install it (exit 1)."""

from __future__ import annotations

import argparse
import importlib

NAME = "gateway"
HELP = "run the cloud gateway (the same as aicore-gateway; its options after the word)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "arguments",
        nargs=argparse.REMAINDER,
        metavar="ARGS",
        help="aicore-gateway's options (--bind, --store, --keys, ...; see --help)",
    )


def run(args: argparse.Namespace) -> int:
    return run_words(list(args.arguments))


def run_words(words: list[str]) -> int:
    """Run the gateway with ``words`` as its command line (``aicore gateway`` passes
    everything after the word on as it is)."""
    try:
        entry = importlib.import_module("aicore_gateway.__main__")
    except ImportError as error:
        print(
            f"aicore gateway: the gateway package is not installed ({error}); "
            "install it with: pip install -e ./gateway[postgresql]"
        )
        return 1
    status: int = entry.main(words)
    return status
