"""The cloud saves' one rule, shared by both stores: a save uploaded over a head it was not
made from is kept beside that head and names it (``conflict_of``); nothing is overwritten.
The newest upload of a slot is its head, conflicting or not, so the player sees the latest
and the conflict is there to resolve."""

from __future__ import annotations

import time
from dataclasses import replace

from .base import CloudSave

__all__ = ["SAVE_COLUMNS", "save_row", "with_conflict"]

SAVE_COLUMNS = "owner, slot, stream, saved_at, sha256, parent_sha256, data, conflict_of, uploaded"
"""The columns a kept save is inserted with, in :func:`save_row`'s order."""


def with_conflict(save: CloudSave, head_sha256: str | None) -> CloudSave:
    """``save`` as it is kept when the slot's head is ``head_sha256`` (None: no save yet):
    ``conflict_of`` is the head when the uploader's ``parent_sha256`` is not that head."""
    if head_sha256 is None or head_sha256 == save.parent_sha256:
        return replace(save, conflict_of=None)
    return replace(save, conflict_of=head_sha256)


def save_row(kept: CloudSave) -> tuple[object, ...]:
    """The values of :data:`SAVE_COLUMNS` for ``kept``, uploaded now."""
    return (
        kept.owner,
        kept.slot,
        kept.stream,
        kept.saved_at,
        kept.sha256,
        kept.parent_sha256,
        kept.data,
        kept.conflict_of,
        time.time(),
    )
