"""``aicore demo``: run every demo step and write its files to an output folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine_bridge.tooling.demo import run_demo

NAME = "demo"
HELP = "run the demo: every capability that exists, its files written to --out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="folder for the demo's files (default: ./demo-output)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        run_demo(args.out)
    except Exception as exc:
        print(f"aicore demo: failed: {exc}", file=sys.stderr)
        return 1
    print(f"demo finished; files in {args.out.resolve()}")
    return 0
