"""What comparing a run with a baseline, and checking it against its targets, yields: the
rows the terminal table, the exit status, the JUnit file and the HTML report all show.

The logic that makes them (thresholds, gates, targets) lives beside this module; these are
plain values so that every reader shows the same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Change", "TargetCheck", "Verdict"]

Verdict = Literal["regressed", "improved", "unchanged", "not gated", "new", "gone"]


@dataclass(frozen=True)
class Change:
    """One figure of a run against the same figure of a baseline.

    ``ratio`` is current over baseline (None when either is missing); ``threshold`` the
    relative change past which a gated figure regresses (0.05: 5% worse), None for a
    figure that is reported but not gated (wall times); ``verdict`` what the gate made of
    it. ``worse_when`` says which direction is a regression (``"higher"`` for times and
    instruction counts, ``"lower"`` for throughputs and speed-up ratios)."""

    key: str
    kind: str
    unit: str
    baseline: float | None
    current: float | None
    ratio: float | None
    threshold: float | None
    worse_when: Literal["higher", "lower"]
    verdict: Verdict


@dataclass(frozen=True)
class TargetCheck:
    """A target a document names, checked against a run: ``key`` the figure, ``op`` and
    ``target`` (``<=`` 0.00015 s), ``source`` where the target is written (``docs/models.md``,
    ``issue #16``), ``measured`` the run's value (None: the run did not measure it), and
    ``met``."""

    key: str
    op: Literal["<=", ">=", "<", ">"]
    target: float
    unit: str
    source: str
    measured: float | None
    met: bool | None
