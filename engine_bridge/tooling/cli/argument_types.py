"""Argument types the ``aicore`` commands share (each refuses with argparse's own error,
naming the option)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_content_roots", "positive_int"]


def positive_int(text: str) -> int:
    """A whole number of at least 1 (a count, a version)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_content_roots(parser: argparse.ArgumentParser, purpose: str) -> None:
    """``--content DIR``, repeatable: content folders layered in order (a later one's file
    replaces an earlier one's of the same path), the shipped content when none is given.
    ``purpose`` says what the command does with them."""
    parser.add_argument(
        "--content",
        type=Path,
        action="append",
        metavar="DIR",
        help=f"a content folder, repeatable, layered in order: {purpose} "
        "(default: the shipped content)",
    )
