"""The append rule both stores share, checked without a database: for any batch, the
stored frames are exactly the contiguous run after acked_through."""

from __future__ import annotations

from aicore_gateway.stores.append_plan import plan_append
from hypothesis import given
from hypothesis import strategies as st


def test_duplicates_then_contiguous_then_a_gap() -> None:
    frames = [(s, "k", b"") for s in (2, 3, 4, 5, 7, 8)]
    plan = plan_append(3, frames)
    assert [seq for seq, _, _ in plan.rows] == [4, 5]
    assert (plan.duplicates, plan.gap_at, plan.acked_through) == (2, 7, 5)
    assert plan.effects == {"k": 2}


@given(
    acked=st.integers(min_value=0, max_value=50),
    seqs=st.lists(st.integers(min_value=1, max_value=60), max_size=40).map(sorted),
)
def test_only_the_contiguous_run_is_stored(acked: int, seqs: list[int]) -> None:
    plan = plan_append(acked, [(s, "even" if s % 2 == 0 else "odd", b"") for s in seqs])
    stored = [seq for seq, _, _ in plan.rows]
    assert stored == list(range(acked + 1, plan.acked_through + 1))
    assert sum(plan.effects.values()) == len(stored)
    looked_at = seqs if plan.gap_at is None else seqs[: seqs.index(plan.gap_at)]
    assert plan.duplicates == len(looked_at) - len(stored)
    if plan.gap_at is not None:
        assert plan.gap_at > plan.acked_through + 1
    else:
        assert all(s <= plan.acked_through for s in seqs)
