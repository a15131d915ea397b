"""Fixtures of the QA benchmark tooling's tests: the environment ``aicore bench`` runs in."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def slowdown_suite() -> Path:
    """The test-only suite whose work doubles on demand (``bench_slowdown.py``)."""
    return HERE / "slowdown_suite"
