"""``aicore saves`` as a person runs it: the real command line over a real save folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine_bridge.store import Store

STORY = {
    "main": {
        "v": 1,
        "story": "The Night Trade",
        "flags": {"met": True},
        "completed": ["the_door"],
        "counts": {},
    }
}


def _saves(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "engine_bridge.tooling.cli", "saves", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "saves"
    with Store.open(root, "default") as store:
        memory = store.npc_memory()
        for slot in range(3):
            memory[slot]["times_met"] = slot
        store.story_state.write(STORY)
        store.saves.save("chapter_one", label="before the gate").result(60)
        memory[0]["times_met"] = 9
        store.saves.save("chapter_one").result(60)  # the first becomes the previous
    return root


def test_list_show_and_verify_a_sound_profile(root: Path) -> None:
    listed = _saves("list", "--save-dir", root)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:2] == ["slot", "generation"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["chapter_one", "current"],
        ["chapter_one", "previous"],
    ]
    assert all(line.rstrip().endswith("sound") for line in lines[1:])

    shown = _saves("show", "--save-dir", root, "chapter_one", "--previous")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "before the gate" in shown.stdout
    assert "3 NPCs remember 3 things" in shown.stdout
    assert "beats complete: the_door" in shown.stdout

    verified = _saves("verify", "--save-dir", root)
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.count("sound") == 2


def test_a_damaged_save_is_named_by_verify_and_list_and_nothing_is_written(root: Path) -> None:
    current = root / "default" / "slots" / "chapter_one.db"
    current.write_bytes(current.read_bytes()[:3000])  # cut short, as a crash mid-copy would
    before = sorted((p.name, p.stat().st_size) for p in (root / "default").rglob("*"))

    verified = _saves("verify", "--save-dir", root)
    assert verified.returncode == 1
    damaged = [line for line in verified.stdout.splitlines() if line.startswith("DAMAGED")]
    assert len(damaged) == 1
    assert str(current) in damaged[0]
    assert any(
        line.startswith("sound    chapter_one (previous)") for line in verified.stdout.splitlines()
    )

    listed = _saves("list", "--save-dir", root)
    assert listed.returncode == 1
    assert "DAMAGED" in listed.stdout
    assert sorted((p.name, p.stat().st_size) for p in (root / "default").rglob("*")) == before


def test_delete_is_refused_while_a_game_has_the_profile_open(root: Path) -> None:
    with Store.open(root, "default"):
        refused = _saves("delete", "--save-dir", root, "chapter_one")
        assert refused.returncode == 1
        assert "another store has this profile open" in refused.stdout
    assert (root / "default" / "slots" / "chapter_one.db").exists()
    deleted = _saves("delete", "--save-dir", root, "chapter_one")
    assert deleted.returncode == 0, deleted.stdout
    assert not list((root / "default" / "slots").glob("chapter_one*"))
    again = _saves("delete", "--save-dir", root, "chapter_one")
    assert again.returncode == 1
    assert "there is no save 'chapter_one'" in again.stdout


@pytest.mark.parametrize("slot", ["../outside", "/etc/passwd", "nested/slot", "con"])
def test_a_slot_name_that_would_leave_the_save_root_is_a_usage_error(root: Path, slot: str) -> None:
    shown = _saves("show", "--save-dir", root, slot)
    assert shown.returncode == 2, shown.stdout
    assert "bad_path" in shown.stdout


def test_an_unknown_profile_or_folder_is_a_usage_error_and_makes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    listed = _saves("list", "--save-dir", missing)
    assert listed.returncode == 2
    assert "no profile 'default'" in listed.stdout
    assert not missing.exists()
