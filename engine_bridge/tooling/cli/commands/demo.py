"""``aicore demo``: run every demo step, write its files to an output folder, and end with
a page of what the run did (``<out>/report/index.html``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine_bridge.tooling.demo import run_demo_recorded

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
        record = run_demo_recorded(args.out)
    except Exception as exc:
        print(f"aicore demo: failed: {exc}", file=sys.stderr)
        return 1
    # Imported here: the report draws with matplotlib, which only the page needs.
    from engine_bridge.tooling.bench.report import write_demo_report

    try:
        page = write_demo_report(record)
    except Exception as exc:
        print(f"aicore demo: the steps ran, but the report failed: {exc}", file=sys.stderr)
        return 1
    print(f"demo report: {page.resolve()}")
    print(f"demo finished; files in {args.out.resolve()}")
    return 0
