"""The README's quick start is the contract with a new user: exactly two commands."""

from __future__ import annotations

import re
from pathlib import Path


def _quick_start(readme: str) -> str:
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", readme, re.S | re.M)
    assert match, "README has no '## Quick start' section"
    return match.group(1)


def test_quick_start_names_exactly_make_demo_and_make_test(repo: Path) -> None:
    section = _quick_start((repo / "README.md").read_text())
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the quick start has one code block"
    commands = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_ci_runs_exactly_make_test(repo: Path) -> None:
    lines = [
        line.strip()
        for line in (repo / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "exec make test"
    assert not any("pytest" in line or "ctest" in line for line in lines)


def test_every_cli_command_is_documented_in_the_readme(repo: Path) -> None:
    from engine_bridge.tooling import cli

    readme = (repo / "README.md").read_text()
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`aicore {name}" in readme, f"README does not document `aicore {name}`"
