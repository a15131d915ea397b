"""Every Python example in README.md and docs/*.md runs, from the repository root."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for i, code in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)):
            blocks.append((f"{doc.relative_to(REPO)}#{i}", code))
    return blocks


BLOCKS = _python_blocks()


def test_the_docs_have_python_examples() -> None:
    assert any(name.startswith("docs/vocal.md") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_example_runs(
    name: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Examples name repository files relative to the root and write outputs beside them:
    # run them with the root's files visible but writes landing in a scratch folder.
    for entry in REPO.iterdir():
        if entry.name in ("content", "npc_scripts"):
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AICORE_CONTENT", os.fspath(REPO / "content"))
    exec(compile(code, name, "exec"), {"__name__": "__docs_example__"})
