"""What one :meth:`GatewayStore.append` stores, decided from the stream's ``acked_through``
before the call: the rule both stores share (``base.py`` states it), kept apart from SQL so
it is the same rule in SQLite and PostgreSQL and can be tested without a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["AppendPlan", "plan_append"]


@dataclass(slots=True)
class AppendPlan:
    """The frames to store and what the call reports."""

    acked_before: int
    """The stream's ``acked_through`` when the transaction read it (its row locked)."""
    rows: list[tuple[int, str, bytes]] = field(default_factory=list)
    """The contiguous frames ``acked_before + 1, + 2, ...`` to insert, in order."""
    duplicates: int = 0
    gap_at: int | None = None
    effects: dict[str, int] = field(default_factory=dict)
    """Frames stored per kind: what the effects table gains in the same transaction."""

    @property
    def acked_through(self) -> int:
        """The stream's ``acked_through`` once the plan is committed."""
        return self.acked_before + len(self.rows)


def plan_append(acked_before: int, frames: Sequence[tuple[int, str, bytes]]) -> AppendPlan:
    """Walk ``frames`` (ascending seq) from ``acked_before``: a seq at or below the running
    ``acked_through`` is a duplicate (also a repeat inside ``frames``), the next one is
    taken, anything further stops the walk at a gap (the frames after it are not looked
    at: the client resends from the ``acked_through`` it is told)."""
    plan = AppendPlan(acked_before)
    expected = acked_before + 1
    effects = plan.effects
    for frame in frames:
        seq = frame[0]
        if seq < expected:
            plan.duplicates += 1
        elif seq == expected:
            plan.rows.append(frame)
            kind = frame[1]
            effects[kind] = effects.get(kind, 0) + 1
            expected += 1
        else:
            plan.gap_at = seq
            break
    return plan
