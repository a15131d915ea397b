"""``did you mean ...?``: the closest known name to a misspelt one."""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["closest", "did_you_mean"]


def closest(word: str, candidates: Any) -> str | None:
    """The candidate closest to ``word``, if one is close enough to be a typo of it."""
    match = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.75)
    return match[0] if match else None


def did_you_mean(word: str, candidates: Any) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""``."""
    guess = closest(word, candidates)
    return f"; did you mean {guess!r}?" if guess else ""
