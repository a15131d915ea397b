"""The gateway's folder of published bundles (gateway/aicore_gateway/content_bundles.py):
the newest bundle above the client's version, what a ``content.get`` is answered with,
and files that are not bundles left out and counted. Real bundles, signed with a real key;
the bundle served installs in the game."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aicore_gateway.content_bundles import ContentBundles
from content_push_helpers import (
    Publisher,
    install,
    make_publisher,
    start_game,
    version_one,
    version_two,
)

from engine_bridge.sync.frames import Frame, FrameError, Refusal, decode_message, encode_message


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict[int, bytes]]:
    """A folder with versions 1 and 2 published, and their bytes."""
    publisher = make_publisher(tmp_path / "keys")
    folder = tmp_path / "published"
    folder.mkdir()
    bundles = {
        1: publisher.bundle(version_one(tmp_path / "v1"), 1),
        2: publisher.bundle(version_two(tmp_path / "v2"), 2),
    }
    for version, data in bundles.items():
        (folder / f"studio-{version}.bundle").write_bytes(data)
    return folder, bundles


def test_latest_is_the_newest_bundle_above_the_clients_version(
    published: tuple[Path, dict[int, bytes]],
) -> None:
    folder, bundles = published
    served = ContentBundles(folder)
    assert served.latest(0) == bundles[2]  # a full overlay: straight to the newest
    assert served.latest(1) == bundles[2]
    assert served.latest(2) is None
    assert served.latest(7) is None
    assert ContentBundles(folder.parent / "none").latest(0) is None


def test_a_newly_published_bundle_is_served_without_a_restart(
    published: tuple[Path, dict[int, bytes]], tmp_path: Path
) -> None:
    folder, _ = published
    served = ContentBundles(folder)
    assert served.latest(2) is None
    publisher_keys = tmp_path / "keys"
    publisher = Publisher(publisher_keys / "studio.ed25519", publisher_keys / "studio.ed25519.pub")
    three = publisher.bundle(version_one(tmp_path / "v3"), 3)
    # Published as it should be: written under a name not served, then renamed.
    (folder / ".studio-3.bundle.tmp").write_bytes(three[:100])
    assert served.latest(2) is None
    (folder / ".studio-3.bundle.tmp").write_bytes(three)
    (folder / ".studio-3.bundle.tmp").rename(folder / "studio-3.bundle")
    assert served.latest(2) == three
    assert served.versions() == {
        1: folder / "studio-1.bundle",
        2: folder / "studio-2.bundle",
        3: folder / "studio-3.bundle",
    }


def test_files_that_are_not_bundles_are_left_out_logged_and_counted(
    published: tuple[Path, dict[int, bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    folder, bundles = published
    (folder / "truncated.bundle").write_bytes(bundles[2][:50])
    (folder / "again-2.bundle").write_bytes(bundles[2])  # version 2 twice
    (folder / "notes.txt").write_text("not looked at")
    served = ContentBundles(folder)
    with caplog.at_level(logging.ERROR, "aicore_gateway.content_bundles"):
        assert served.versions() == {1: folder / "studio-1.bundle", 2: folder / "again-2.bundle"}
        assert served.latest(0) == bundles[2]
    assert served.unreadable == 2  # each problem logged once, not on every request
    assert len(caplog.records) == 2


def test_content_get_is_answered_with_a_content_bundle_the_game_installs(
    published: tuple[Path, dict[int, bytes]], tmp_path: Path
) -> None:
    folder, bundles = published
    served = ContentBundles(folder)
    body = served.answer({"have": 1})
    assert body == {"version": 2, "bundle": bundles[2]}
    assert served.answer({"have": 2}) == {"version": None, "bundle": None}

    # Through the frames codec, as the server will send it, and into a save folder.
    wire = encode_message([Frame("studio/1", 0, "content.bundle", body)])
    (frame,) = decode_message(wire)
    keys = tmp_path / "keys"
    publisher = Publisher(keys / "studio.ed25519", keys / "studio.ed25519.pub")
    result = install(frame.body["bundle"], publisher, tmp_path / "save")
    assert result.version == frame.body["version"] == 2
    assert "the_lantern_fair" in start_game(tmp_path / "save").lore


@pytest.mark.parametrize("body", [None, {}, {"have": "1"}, {"have": -1}, {"have": 1, "x": 2}])
def test_a_malformed_content_get_is_refused(
    body: object, published: tuple[Path, dict[int, bytes]]
) -> None:
    with pytest.raises(FrameError) as refused:
        ContentBundles(published[0]).answer(body)
    assert refused.value.code == Refusal.MALFORMED
