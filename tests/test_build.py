"""The build contracts: the C++ core needs no Python, and setup is idempotent."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest


def _plain_cmake_commands(repo: Path) -> list[list[str]]:
    doc = (repo / "docs" / "building.md").read_text()
    section = doc.split("## Plain CMake, no Python", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "docs/building.md lost its plain CMake example"
    return [shlex.split(line) for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.slow
def test_cpp_core_builds_and_passes_its_tests_without_python(repo: Path) -> None:
    """Runs the plain-CMake example of docs/building.md, line by line."""
    commands = _plain_cmake_commands(repo)
    assert [c[0] for c in commands] == ["cmake", "cmake", "ctest"]
    results = [
        subprocess.run(c, cwd=repo, capture_output=True, text=True, check=False, timeout=900)
        for c in commands
    ]
    for c, r in zip(commands, results, strict=True):
        assert r.returncode == 0, f"{shlex.join(c)}\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
    build = repo / "build" / "nopython"
    assert "Python_EXECUTABLE" not in (build / "CMakeCache.txt").read_text(), (
        "a Python-free build must not look for Python"
    )
    assert not (build / "cpp" / "bridge").exists()
    assert "100% tests passed" in results[-1].stdout


def test_our_targets_compile_with_warnings_as_errors(repo: Path) -> None:
    commands = json.loads((repo / "build" / "ctest" / "compile_commands.json").read_text())
    ours = [c for c in commands if "/cpp/" in c["file"]]
    assert ours
    for c in ours:
        flags = c.get("command") or " ".join(c["arguments"])
        for flag in ("-Wall", "-Wextra", "-Werror"):
            assert flag in flags, f"{c['file']} lacks {flag}"


def test_setup_is_idempotent(repo: Path) -> None:
    subprocess.run(["make", "setup"], cwd=repo, check=True, capture_output=True, timeout=900)
    # After one setup run, make has nothing left to do for the stamps.
    question = subprocess.run(
        ["make", "-q", "build/stamps/system", ".venv/.installed"],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    assert question.returncode == 0, "a second `make setup` would redo work"


def test_system_package_script_skips_packages_already_installed(repo: Path) -> None:
    out = subprocess.run(
        ["bash", str(repo / "tools" / "install_system_packages.sh")],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    assert out.stdout.startswith("system packages: all "), out.stdout
