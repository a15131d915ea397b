"""The demo's saves step: after a restart the NPCs remember what the live store kept, and a
loaded save puts back what they remembered when it was made."""

from __future__ import annotations

from pathlib import Path

from engine_bridge.tooling.demo.steps import saves


def test_the_npcs_remember_after_a_restart_and_a_load_puts_the_save_back(
    tmp_path: Path,
) -> None:
    at_save, played_on, restarted, loaded, problems = saves.run(tmp_path)
    assert "bought 3 bodies" in at_save
    assert "1 story beats complete" in at_save
    assert "bought 4 bodies" in played_on
    assert "2 story beats complete" in played_on
    assert restarted.endswith(played_on.split(": ", 1)[1])  # the live store, as it was
    assert "bought 3 bodies" in loaded
    assert "1 story beats complete" in loaded
    assert problems == "store problems: 0"
    assert list((tmp_path / "saves" / "default" / "slots").glob("midnight.db"))


def test_the_step_runs_again_over_its_own_save_folder(tmp_path: Path) -> None:
    saves.run(tmp_path)
    at_save, *_ = saves.run(tmp_path)
    assert "bought 3 bodies" in at_save  # not 4 or more: the second run starts afresh
