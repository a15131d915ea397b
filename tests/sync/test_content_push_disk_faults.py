"""A full disk and a read-only overlay folder while a bundle installs: the structured
refusal, the installed overlay untouched, and the game starting on it. Real file systems:
a small tmpfs and a read-only bind mount (we run as root, so chmod would not stop a
write; without the right to mount these tests skip and say why)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from content_files import write
from content_push_helpers import (
    Publisher,
    install,
    make_publisher,
    overlay,
    start_game,
    tree,
    version_one,
    version_two,
)
from mounts import mount, small_tmpfs, unmount

from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal
from engine_bridge.sync.content_overlay import installed_version


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs."""
    with small_tmpfs(tmp_path / "small", "1m") as point:
        yield point


def test_a_full_disk_refuses_the_bundle_and_leaves_the_installed_one(
    small_disk: Path, tmp_path: Path
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    save = small_disk / "save"
    install(publisher.bundle(version_one(tmp_path / "v1"), 1), publisher, save)
    installed = tree(overlay(save))
    before = start_game(save)
    big = version_two(tmp_path / "v2")
    # Incompressible and larger than the disk: it cannot be written whole.
    write(big, "models/weights.bin", "")
    (big / "models" / "weights.bin").write_bytes(os.urandom(1536 * 1024))

    with pytest.raises(ContentPushError) as refused:
        install(publisher.bundle(big, 2), publisher, save)

    assert refused.value.code == ContentRefusal.DISK_FULL
    assert tree(overlay(save)) == installed
    assert not list(overlay(save).glob(".incoming-*"))  # the half-written copy is gone
    assert installed_version(overlay(save)) == 1
    assert start_game(save) == before
    # The space is back (the copy was removed): a bundle that fits installs.
    assert install(publisher.bundle(version_two(tmp_path / "v3"), 3), publisher, save).version == 3


@pytest.fixture
def read_only_overlay(tmp_path: Path) -> Iterator[tuple[Path, Publisher]]:
    """A save folder with version 1 installed, then its overlay folder made read-only
    (a bind mount of itself, remounted read-only); and the publisher."""
    publisher = make_publisher(tmp_path / "keys")
    save = tmp_path / "save"
    install(publisher.bundle(version_one(tmp_path / "v1"), 1), publisher, save)
    folder = overlay(save)
    mount("--bind", str(folder), str(folder))
    try:
        mount("-o", "remount,ro,bind", str(folder))
        yield save, publisher
    finally:
        unmount(folder)


def test_a_read_only_overlay_folder_refuses_the_bundle_and_the_game_plays_on(
    read_only_overlay: tuple[Path, Publisher], tmp_path: Path
) -> None:
    save, publisher = read_only_overlay
    installed = tree(overlay(save))
    before = start_game(save)
    try:
        (overlay(save) / "probe").write_bytes(b"")
    except OSError as error:
        probe = error.errno
    else:
        probe = None
    assert probe == errno.EROFS  # the mount does stop writes, even root's

    with pytest.raises(ContentPushError) as refused:
        install(publisher.bundle(version_two(tmp_path / "v2"), 2), publisher, save)

    assert refused.value.code == ContentRefusal.READ_ONLY
    assert tree(overlay(save)) == installed
    assert start_game(save) == before
    assert "the_new_bridge" in before.lore
