"""Argument types the ``aicore`` commands share (each refuses with argparse's own error,
naming the option)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

__all__ = ["add_content_roots", "minutes", "positive_int", "positive_minutes"]


def positive_int(text: str) -> int:
    """A whole number of at least 1 (a count, a version)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def minutes(text: str) -> float:
    """A finite number of minutes, 0 or more (a warm-up)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of minutes, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(
            f"must be a finite number of minutes, 0 or more, got {text!r}"
        )
    return value


def positive_minutes(text: str) -> float:
    """A finite number of minutes above 0 (a duration)."""
    value = minutes(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be above 0 minutes, got 0")
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
