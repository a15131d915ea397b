"""The ``aicore check`` command line: its arguments, and ``run`` printing the report."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from engine_bridge.tooling.check.checking import DEFAULT_TIMEOUT_S, check
from engine_bridge.tooling.check.report import render

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "check"


HELP = "find script and content errors without running the game: syntax, imports, API, data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments: script folders, ``--content`` roots, ``--timeout``."""
    parser.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="NPC script folders or files (default: the repository's npc_scripts/)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        action="append",
        metavar="DIR",
        help="a content folder, repeatable: later ones are layered over earlier ones "
        "(default: the shipped content)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="seconds each script may take to load and be checked, in the checker's own "
        f"process, before it is reported as hanging (default {DEFAULT_TIMEOUT_S:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be above 0 seconds: {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    """Check the folders given (default: the repository's ``npc_scripts/``) against the
    content given (default: the shipped content); print the report; 1 if it found problems."""
    if args.content:
        content = list(args.content)
    else:
        from vocal.content import content_root

        content = [content_root()]
    report = check(args.dirs or [_repo_root() / "npc_scripts"], content, timeout=args.timeout)
    for line in render(report):
        print(line)
    return 0 if report.ok else 1


def _repo_root() -> Path:
    import engine_bridge

    return Path(engine_bridge.__file__).resolve().parents[1]
