"""Shared fixtures: paths of the repository and of the installed environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    """The bin folder of the environment the tests run in (where `aicore` lives)."""
    return Path(sys.prefix) / "bin"


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for subprocesses, without overrides that would redirect them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICORE_")}
    env["PYTHONWARNINGS"] = "error"
    return env
