"""Installing signed content bundles into a save folder's content overlay, with a real
Ed25519 key pair, real bundles of a lore and story change, and a real runtime started over
the shipped content and the overlay: a good bundle is seen by the next game; every bad
one is refused with its code, leaves the installed overlay byte for byte as it was, and
the game still starts on the content it had."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgpack
import pytest
from content_files import write
from content_push_helpers import (
    BRIDGE_LORE,
    SHIPPED,
    Publisher,
    install,
    make_publisher,
    overlay,
    start_game,
    tree,
    version_one,
    version_two,
)

from engine_bridge.core.content_overlay import install_pushed_content
from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal
from engine_bridge.sync.content_manifest import Manifest, ManifestFile, encode_manifest
from engine_bridge.sync.content_overlay import installed_version, overlay_roots
from engine_bridge.sync.content_signing import load_private_key, sign

# -- a good bundle ----------------------------------------------------------------------


def test_an_installed_bundle_is_the_content_the_next_game_starts_with(tmp_path: Path) -> None:
    publisher = make_publisher(tmp_path / "keys")
    save = tmp_path / "save"
    before = start_game(save)
    assert "the_new_bridge" not in before.lore
    assert "lamplighter" not in before.stories

    result = install(publisher.bundle(version_one(tmp_path / "v1"), 1), publisher, save)

    assert (result.version, result.previous_version, result.files) == (1, 0, 2)
    assert result.root == overlay(save) / "v1"
    assert overlay_roots(overlay(save)) == [result.root]
    seen = start_game(save)
    assert seen.roots[-1] == result.root  # layered last, over the shipped content
    assert "the_new_bridge" in seen.lore
    assert before.lore < seen.lore  # the shipped lore is all still there
    assert "lamplighter" in seen.stories
    assert seen.off == {}
    assert seen.errors == before.errors


def test_a_newer_bundle_replaces_the_whole_overlay_and_keeps_the_one_before(
    tmp_path: Path,
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    save = tmp_path / "save"
    install(publisher.bundle(version_one(tmp_path / "v1"), 1), publisher, save)
    result = install(publisher.bundle(version_two(tmp_path / "v2"), 2), publisher, save)

    assert (result.version, result.previous_version) == (2, 1)
    seen = start_game(save)
    assert "the_lantern_fair" in seen.lore
    assert "the_new_bridge" not in seen.lore  # not in version 2: gone with version 1
    assert sorted(p.name for p in overlay(save).glob("v*")) == ["v1", "v2"]

    install(publisher.bundle(version_one(tmp_path / "v3"), 3), publisher, save)
    # Kept: the installed one and the one before it (a running game may read its files).
    assert sorted(p.name for p in overlay(save).glob("v*")) == ["v2", "v3"]
    assert "the_new_bridge" in start_game(save).lore


def test_the_publishers_raw_public_key_verifies_as_well_as_its_file(tmp_path: Path) -> None:
    publisher = make_publisher(tmp_path / "keys")
    bundle = publisher.bundle(version_one(tmp_path / "v1"), 1)
    result = install_pushed_content(
        bundle, publisher.public_raw(), base_roots=[SHIPPED], save_dir=tmp_path / "save"
    )
    assert result.version == 1


def test_no_overlay_folder_no_pointer_and_no_save_folder_mean_no_overlay(tmp_path: Path) -> None:
    assert overlay_roots(tmp_path / "nowhere") == []
    assert installed_version(tmp_path / "nowhere") == 0
    (tmp_path / "empty").mkdir()
    assert overlay_roots(tmp_path / "empty") == []
    seen = start_game(tmp_path / "save")
    assert [root.name for root in seen.roots] == ["content"]


def test_what_a_stopped_install_left_is_not_installed_and_the_next_install_clears_it(
    tmp_path: Path,
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    save = tmp_path / "save"
    install(publisher.bundle(version_one(tmp_path / "v1"), 1), publisher, save)
    # A crash while writing version 2, and one after renaming version 3 into place but
    # before pointing at it.
    write(overlay(save), ".incoming-1-dead/lore/half.toml", "[[entry]]\nid = ")
    write(overlay(save), "v3/lore/bridge.toml", BRIDGE_LORE.replace("new bridge", "old ford"))
    write(overlay(save), "v3/.bundle/manifest", "not signed")

    assert installed_version(overlay(save)) == 1
    assert overlay_roots(overlay(save)) == [overlay(save) / "v1"]
    assert "the_new_bridge" in start_game(save).lore

    result = install(publisher.bundle(version_two(tmp_path / "v3"), 3), publisher, save)
    assert result.version == 3
    assert not list(overlay(save).glob(".incoming-*"))
    assert (overlay(save) / "v3" / "lore" / "lantern.toml").is_file()
    assert not (overlay(save) / "v3" / "lore" / "bridge.toml").exists()  # the stray's file


def test_a_damaged_pointer_leaves_the_overlay_out_and_still_refuses_an_older_bundle(
    tmp_path: Path,
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    save = tmp_path / "save"
    v1 = publisher.bundle(version_one(tmp_path / "v1"), 1)
    install(v1, publisher, save)
    install(publisher.bundle(version_two(tmp_path / "v2"), 2), publisher, save)
    (overlay(save) / "current").write_bytes(b"\xff garbage")

    assert overlay_roots(overlay(save)) == []  # the game plays on the shipped content
    seen = start_game(save)
    assert "the_lantern_fair" not in seen.lore
    assert seen.off == {}
    assert installed_version(overlay(save)) == 2  # the highest version folder
    with pytest.raises(ContentPushError) as refused:
        install(v1, publisher, save)
    assert refused.value.code == ContentRefusal.NOT_NEWER


# -- bad bundles: refused, nothing installed changes, the game starts as before ----------


@dataclass(frozen=True)
class Case:
    """A bad bundle made from a good version 6 (the installed one is version 5)."""

    name: str
    make: Callable[[Publisher, Publisher, Path], bytes]
    code: ContentRefusal
    file: str | None = None


def _good(publisher: Publisher, tmp: Path, version: int = 6) -> bytes:
    return publisher.bundle(version_two(tmp / f"good{version}"), version)


def _edited(bundle: bytes, edit: Callable[[dict[str, object]], None]) -> bytes:
    value = msgpack.unpackb(bundle, raw=False)
    edit(value)
    return msgpack.packb(value, use_bin_type=True)


def _signed(publisher: Publisher, files: dict[str, bytes], version: int = 6) -> bytes:
    """A bundle whose manifest lists ``files`` as they are, signed by ``publisher``:
    only the game's own checks stand between it and the disk."""
    import hashlib

    entries = tuple(
        ManifestFile(path, len(data), hashlib.sha256(data).hexdigest())
        for path, data in sorted(files.items())
    )
    manifest = encode_manifest(Manifest("studio", version, 0, entries))
    signature = sign(manifest, load_private_key(publisher.private))
    return msgpack.packb(
        {"manifest": manifest, "signature": signature, "files": files}, use_bin_type=True
    )


def _set_file(path: str, data: bytes) -> Callable[[dict[str, object]], None]:
    def edit(value: dict[str, object]) -> None:
        files = value["files"]
        assert isinstance(files, dict)
        files[path] = data

    return edit


def _drop_file(path: str) -> Callable[[dict[str, object]], None]:
    def edit(value: dict[str, object]) -> None:
        files = value["files"]
        assert isinstance(files, dict)
        del files[path]

    return edit


def _other_manifest(value: dict[str, object]) -> None:
    manifest = value["manifest"]
    assert isinstance(manifest, bytes)
    # The publisher's name, one letter changed: the signature no longer covers it.
    value["manifest"] = manifest.replace(b"studio", b"studiO")


LANTERN = b'[[entry]]\nid = "the_lantern_fair"\ntitle = "The lantern fair"\n'

CASES = [
    Case("signed by another key", lambda p, o, t: _good(o, t), ContentRefusal.BAD_SIGNATURE),
    Case(
        "manifest altered after signing",
        lambda p, o, t: _edited(_good(p, t), _other_manifest),
        ContentRefusal.BAD_SIGNATURE,
    ),
    Case(
        "signature cut short",
        lambda p, o, t: _edited(_good(p, t), lambda v: v.update(signature=b"\0" * 10)),
        ContentRefusal.BAD_SIGNATURE,
    ),
    Case("truncated", lambda p, o, t: _good(p, t)[:-40], ContentRefusal.MALFORMED),
    Case("not a bundle", lambda p, o, t: b"\x93\x01\x02", ContentRefusal.MALFORMED),
    Case("empty", lambda p, o, t: b"", ContentRefusal.MALFORMED),
    Case(
        "bytes after the bundle",
        lambda p, o, t: _good(p, t) + b"\x00",
        ContentRefusal.MALFORMED,
    ),
    Case(
        "a file altered, its size kept",
        lambda p, o, t: _edited(
            _good(p, t),
            _set_file("lore/lantern.toml", (t / "good6/lore/lantern.toml").read_bytes().upper()),
        ),
        ContentRefusal.HASH_MISMATCH,
        "lore/lantern.toml",
    ),
    Case(
        "a file cut short",
        lambda p, o, t: _edited(_good(p, t), _set_file("lore/lantern.toml", LANTERN)),
        ContentRefusal.SIZE_MISMATCH,
        "lore/lantern.toml",
    ),
    Case(
        "a listed file missing",
        lambda p, o, t: _edited(_good(p, t), _drop_file("story/lamplighter.toml")),
        ContentRefusal.MISSING_FILE,
        "story/lamplighter.toml",
    ),
    Case(
        "a file the manifest does not list",
        lambda p, o, t: _edited(_good(p, t), _set_file("lore/extra.toml", LANTERN)),
        ContentRefusal.UNLISTED_FILE,
        "lore/extra.toml",
    ),
    *(
        Case(
            f"unsafe path {path!r}",
            lambda p, o, t, path=path: _signed(p, {path: LANTERN}),
            ContentRefusal.UNSAFE_PATH,
            path,
        )
        for path in (
            "../outside.toml",
            "lore/../../outside.toml",
            "/etc/aicore.toml",
            "lore/nul\0.toml",
            "scripts/evil.py",
            "lore",
            "C:/lore/x.toml",
        )
    ),
    Case(
        "a replay of the installed version",
        lambda p, o, t: p.bundle(version_one(t / "replay"), 5),
        ContentRefusal.NOT_NEWER,
    ),
    Case(
        "an older version",
        lambda p, o, t: p.bundle(version_two(t / "older"), 4),
        ContentRefusal.NOT_NEWER,
    ),
    Case(
        "a lore file that does not load",
        lambda p, o, t: _signed(p, {"lore/broken.toml": b"[[entry]]\nid = \n"}),
        ContentRefusal.CONTENT_REGRESSION,
        "lore/broken.toml",
    ),
    Case(
        "a lore entry repeating a shipped entry's id",
        lambda p, o, t: _signed(
            p, {"lore/dup.toml": BRIDGE_LORE.replace("the_new_bridge", "the_black_ledger").encode()}
        ),
        ContentRefusal.CONTENT_REGRESSION,
        "lore/dup.toml",
    ),
    Case(
        "a voice line without its recording",
        lambda p, o, t: _signed(
            p,
            {
                "voice_lines/lines.toml": b'sample_rate = 22050\n[[line]]\nid = "lamp_call"\n'
                b'text = "Lamps!"\nspeaker = "townsfolk"\nvoice = "en"\nspeed = 150\n'
                b"pitch = 50\n"
            },
        ),
        ContentRefusal.CONTENT_REGRESSION,
        "voice_lines/lamp_call.wav",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_bundle_is_refused_and_the_installed_content_plays_on(
    case: Case, tmp_path: Path
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    other = make_publisher(tmp_path / "other-keys", "intruder")
    save = tmp_path / "save"
    install(publisher.bundle(version_one(tmp_path / "v5"), 5), publisher, save)
    installed = tree(overlay(save))
    before = start_game(save)
    assert "the_new_bridge" in before.lore

    bad = case.make(publisher, other, tmp_path)
    with pytest.raises(ContentPushError) as refused:
        install(bad, publisher, save)

    assert refused.value.code == case.code, refused.value
    assert refused.value.file == case.file
    assert tree(overlay(save)) == installed  # not one byte changed, nothing left behind
    assert installed_version(overlay(save)) == 5
    after = start_game(save)
    assert after == before
