"""A pushed bundle reaches a game through the C ABI: ``aicore host`` given only the
shipped content and a save folder plays the content the bundle installed in that save
folder's overlay (a kind's lore, story and dialogue), and did not before it."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import run
from content_files import write
from content_push_helpers import SHIPPED, install, make_publisher
from new_kind_project import (
    LAMPLIGHTER_DIALOGUE,
    LAMPLIGHTER_LORE,
    LAMPLIGHTER_SCRIPT,
    LAMPLIGHTER_STORY,
)

NPCS = 3


def _host(venv_bin: Path, env: dict[str, str], tmp_path: Path, report: Path) -> dict[str, object]:
    out = run(
        [
            str(venv_bin / "aicore"), "host", "--npcs", str(NPCS), "--frames", "30",
            "--kinds", "lamplighter", "--scripts", str(tmp_path / "scripts"),
            "--content", str(SHIPPED), "--save", str(tmp_path / "save"),
            "--report", str(report), "--quiet",
        ],
        env,
        tmp_path,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(report.read_text())


def test_the_host_plays_the_content_a_bundle_installed_in_its_save_folder(
    tmp_path: Path, venv_bin: Path, clean_env: dict[str, str]
) -> None:
    write(tmp_path / "scripts", "lamplighter.py", LAMPLIGHTER_SCRIPT)
    before = _host(venv_bin, clean_env, tmp_path, tmp_path / "before.json")
    applied = before["commands_applied"]
    assert isinstance(applied, dict)
    assert applied["say"] == 0  # no lamplighter table in the shipped content

    release = tmp_path / "release"
    write(release, "dialogue/lamplighter.toml", LAMPLIGHTER_DIALOGUE)
    write(release, "lore/lamplighter.toml", LAMPLIGHTER_LORE)
    write(release, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    publisher = make_publisher(tmp_path / "keys")
    install(publisher.bundle(release, 1), publisher, tmp_path / "save")

    after = _host(venv_bin, clean_env, tmp_path, tmp_path / "after.json")
    assert after["script_errors"] == 0
    applied = after["commands_applied"]
    assert isinstance(applied, dict)
    # Each lamplighter found its lore (emote), ran its story (move_to) and said its line.
    assert (applied["emote"], applied["move_to"], applied["say"]) == (NPCS, NPCS, NPCS)
    assert after["systems_off"] == []
    assert after["content_errors"] == []
