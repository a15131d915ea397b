"""docs/designers.md names a test for every guarantee: each named test must exist, so a
guarantee cannot lose its proof by a rename or a deletion."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_test_a_guarantee_names_exists() -> None:
    section = _section(
        (REPO / "docs" / "designers.md").read_text(), "Guaranteed, and the test that proves it"
    )
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", section)
    assert len(named) >= 20
    for file, test in named:
        tree = ast.parse((REPO / file).read_text())
        tests = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert test in tests, f"docs/designers.md names {file}::{test}, which does not exist"


def test_every_case_a_guarantee_names_exists() -> None:
    section = _section(
        (REPO / "docs" / "designers.md").read_text(), "Guaranteed, and the test that proves it"
    )
    cases = {
        c
        for group in re.findall(r"cases? ([`\w, ]+)", section)
        for c in re.findall(r"`(\w+)`", group)
    }
    assert cases
    sources = (REPO / "tests" / "test_hostile_scripts.py").read_text() + (
        REPO / "tests" / "test_hostile_scripts_in_the_game.py"
    ).read_text()
    for case in cases:
        assert f'"{case}"' in sources, (
            f"docs/designers.md names case {case!r}, which does not exist"
        )
