"""The content check a pushed bundle passes before it is installed: the content systems
over the game's roots with the new overlay, against the same with the installed one
(engine_bridge/content/overlay_check.py), on real content folders."""

from __future__ import annotations

from pathlib import Path

from content_files import write
from content_push_helpers import BRIDGE_LORE, LANTERN_LORE, SHIPPED
from new_kind_project import LAMPLIGHTER_STORY

from engine_bridge.content.overlay_check import ContentRegression, overlay_regressions

BROKEN = "[[entry]]\nid = \n"


def test_a_good_overlay_breaks_nothing(tmp_path: Path) -> None:
    new = tmp_path / "new"
    write(new, "lore/bridge.toml", BRIDGE_LORE)
    write(new, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    assert overlay_regressions([SHIPPED], None, new) == []


def test_errors_the_game_had_already_are_not_held_against_the_bundle(tmp_path: Path) -> None:
    base = tmp_path / "project"
    write(base, "lore/bad.toml", BROKEN)
    new = tmp_path / "new"
    write(new, "lore/bridge.toml", BRIDGE_LORE)
    assert overlay_regressions([SHIPPED, base], None, new) == []
    fixed = tmp_path / "fixed"
    write(fixed, "lore/bad.toml", LANTERN_LORE)  # a bundle may repair content, too
    assert overlay_regressions([SHIPPED, base], None, fixed) == []


def test_an_error_the_installed_overlay_has_too_is_not_new(tmp_path: Path) -> None:
    # The same broken file in another overlay folder: the file is the same, its root not.
    installed, new = tmp_path / "v1", tmp_path / "v2"
    write(installed, "lore/bad.toml", BROKEN)
    write(new, "lore/bad.toml", BROKEN)
    assert overlay_regressions([SHIPPED], installed, new) == []
    write(new, "lore/worse.toml", BROKEN)
    found = overlay_regressions([SHIPPED], installed, new)
    assert [(r.system, r.file) for r in found] == [("knowledge", "lore/worse.toml")]


def test_an_overlay_that_turns_a_system_off_is_a_regression(tmp_path: Path) -> None:
    # Over no other content, the installed overlay is the only one with a story.
    installed, new = tmp_path / "v1", tmp_path / "v2"
    write(installed, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    write(installed, "lore/bridge.toml", BRIDGE_LORE)
    write(new, "lore/bridge.toml", BRIDGE_LORE)
    found = overlay_regressions([], installed, new)
    assert len(found) == 1
    assert (found[0].system, found[0].file) == ("story", None)
    assert found[0].reason.startswith("the system turns off")
    assert isinstance(found[0], ContentRegression)
