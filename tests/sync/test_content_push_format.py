"""The bundle format on its own: paths a bundle may hold, the manifest's bytes and its
checks, the key files, and the order in which a bundle is checked (the signature before
anything the manifest says)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import msgpack
import pytest
from content_push_helpers import make_publisher, version_one
from hypothesis import given
from hypothesis import strategies as st

from engine_bridge.sync.content_bundle import (
    MAX_BUNDLE_BYTES,
    build_bundle,
    open_bundle,
    read_source,
)
from engine_bridge.sync.content_errors import ContentPushError, ContentRefusal
from engine_bridge.sync.content_manifest import (
    CONTENT_FOLDERS,
    Manifest,
    ManifestFile,
    check_path,
    decode_manifest,
    encode_manifest,
)
from engine_bridge.sync.content_signing import (
    generate_key_pair,
    load_private_key,
    load_public_key,
)

# -- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["lore/a.toml", "story/x.toml", "dialogue/locale/fr/ghoul.toml", "voice_lines/a.wav",
     "models/npc/brain.onnx", "lore/.hidden.toml", "lore/a..b.toml"],
)  # fmt: skip
def test_a_path_inside_a_content_folder_is_safe(path: str) -> None:
    assert check_path(path) == path


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("", "is empty"),
        ("lore/a\0.toml", "NUL"),
        ("lore/a\n.toml", "control character"),
        ("lore\\a.toml", "backslash"),
        ("/lore/a.toml", "absolute"),
        ("C:/lore/a.toml", "absolute"),
        ("lore/../../a.toml", "'..'"),
        ("../lore/a.toml", "'..'"),
        ("lore//a.toml", "empty or '.'"),
        ("lore/./a.toml", "empty or '.'"),
        ("lore/", "empty or '.'"),
        ("scripts/evil.py", "outside the content folders"),
        ("vocal/archetypes/x.json", "outside the content folders"),
        ("README.md", "outside the content folders"),
        ("Lore/a.toml", "outside the content folders"),
        ("lore", "names a folder"),
        ("lore/" + "a" * 1100, "longer than"),
    ],
)
def test_an_unsafe_path_is_refused_naming_it_and_the_rule(path: str, rule: str) -> None:
    with pytest.raises(ContentPushError) as refused:
        check_path(path)
    assert refused.value.code == ContentRefusal.UNSAFE_PATH
    assert refused.value.file == path
    assert rule in refused.value.reason


@given(st.text(max_size=40))
def test_a_path_check_passes_only_paths_inside_the_content_folders(path: str) -> None:
    try:
        check_path(path)
    except ContentPushError as refused:
        code: ContentRefusal | None = refused.code
    else:
        code = None
    if code is not None:
        assert code == ContentRefusal.UNSAFE_PATH
        return
    parts = path.split("/")
    assert parts[0] in CONTENT_FOLDERS
    assert len(parts) >= 2
    assert not {"", ".", ".."} & set(parts)
    assert all(ord(c) >= 0x20 for c in path)
    assert (Path("/root") / path).resolve().is_relative_to(Path("/root") / parts[0])


# -- the manifest -----------------------------------------------------------------------


def _manifest(**changes: object) -> dict[str, object]:
    value: dict[str, object] = {
        "format": 1,
        "publisher": "studio",
        "version": 3,
        "created": 1_700_000_000,
        "files": [{"path": "lore/a.toml", "size": 1, "sha256": "0" * 64}],
    }
    value.update(changes)
    return value


def test_the_manifest_is_the_same_bytes_for_the_same_content_whatever_the_order() -> None:
    a = ManifestFile("lore/a.toml", 1, "a" * 64)
    b = ManifestFile("story/b.toml", 2, "b" * 64)
    first = encode_manifest(Manifest("studio", 3, 10, (a, b)))
    assert encode_manifest(Manifest("studio", 3, 10, (b, a))) == first
    assert decode_manifest(first) == Manifest("studio", 3, 10, (a, b))
    assert list(msgpack.unpackb(first)) == ["format", "publisher", "version", "created", "files"]


@pytest.mark.parametrize(
    "changes",
    [
        {"format": 2},
        {"format": True},
        {"publisher": ""},
        {"publisher": 7},
        {"version": 0},
        {"version": True},
        {"version": "3"},
        {"created": -1},
        {"files": {}},
        {"files": [{"path": "lore/a.toml", "size": -1, "sha256": "0" * 64}]},
        {"files": [{"path": "lore/a.toml", "size": 1, "sha256": "0" * 63}]},
        {"files": [{"path": "lore/a.toml", "size": 1, "sha256": "A" * 64}]},
        {"files": [{"path": "lore/a.toml", "size": 1}]},
        {
            "files": [
                {"path": "lore/a.toml", "size": 1, "sha256": "0" * 64},
                {"path": "lore/A.toml", "size": 1, "sha256": "0" * 64},
            ]
        },
        {"extra": 1},
    ],
)
def test_a_manifest_with_a_bad_field_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ContentPushError) as refused:
        decode_manifest(msgpack.packb(_manifest(**changes)))
    assert refused.value.code == ContentRefusal.BAD_MANIFEST


def test_a_manifest_that_is_not_msgpack_is_refused() -> None:
    with pytest.raises(ContentPushError) as refused:
        decode_manifest(b"\xc1")
    assert refused.value.code == ContentRefusal.BAD_MANIFEST


# -- keys -------------------------------------------------------------------------------


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    tmp_path: Path,
) -> None:
    private, public = generate_key_pair("studio", tmp_path / "keys")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    key = load_private_key(private)
    assert load_public_key(public).public_bytes_raw() == key.public_key().public_bytes_raw()
    with pytest.raises(ContentPushError) as refused:
        generate_key_pair("studio", tmp_path / "keys")
    assert refused.value.code == ContentRefusal.EXISTS
    assert load_private_key(private).private_bytes_raw() == key.private_bytes_raw()


@pytest.mark.parametrize("name", ["", "../up", "a/b", ".hidden", "x" * 65])
def test_a_key_name_that_is_not_a_plain_name_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ContentPushError) as refused:
        generate_key_pair(name, tmp_path)
    assert refused.value.code == ContentRefusal.BAD_KEY
    assert list(tmp_path.iterdir()) == []


def test_a_key_file_that_is_not_an_ed25519_key_is_refused(tmp_path: Path) -> None:
    private, public = generate_key_pair("studio", tmp_path)
    for path, load in ((public, load_private_key), (private, load_public_key)):
        with pytest.raises(ContentPushError) as refused:
            load(path)
        assert refused.value.code == ContentRefusal.BAD_KEY
    garbage = tmp_path / "garbage.pub"
    garbage.write_bytes(b"not a key")
    with pytest.raises(ContentPushError) as refused:
        load_public_key(garbage)
    assert (refused.value.code, refused.value.file) == (ContentRefusal.BAD_KEY, str(garbage))
    with pytest.raises(ContentPushError) as refused:
        load_public_key(tmp_path / "absent.pub")
    assert refused.value.code == ContentRefusal.BAD_KEY


# -- building and opening ---------------------------------------------------------------


def test_a_bundle_holds_every_file_with_its_size_and_hash_and_opens_with_the_key(
    tmp_path: Path,
) -> None:
    publisher = make_publisher(tmp_path / "keys")
    source = version_one(tmp_path / "src")
    bundle = build_bundle(
        read_source(source), load_private_key(publisher.private), version=4, publisher="studio"
    )
    opened = open_bundle(bundle, load_public_key(publisher.public))
    assert opened.manifest.version == 4
    assert opened.manifest.publisher == "studio"
    assert [f.path for f in opened.manifest.files] == ["lore/bridge.toml", "story/lamplighter.toml"]
    for entry in opened.manifest.files:
        data = (source / entry.path).read_bytes()
        assert (entry.size, entry.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert opened.files[entry.path] == data
    assert set(msgpack.unpackb(bundle)) == {"manifest", "signature", "files"}


def test_the_signature_is_checked_before_the_manifest_is_read(tmp_path: Path) -> None:
    # A manifest that would be refused for its version is refused for its signature first:
    # nothing an unsigned manifest says is acted on.
    publisher = make_publisher(tmp_path / "keys")
    other = make_publisher(tmp_path / "other", "intruder")
    bundle = other.bundle(version_one(tmp_path / "src"), 1)
    with pytest.raises(ContentPushError) as refused:
        open_bundle(bundle, load_public_key(publisher.public), newer_than=9)
    assert refused.value.code == ContentRefusal.BAD_SIGNATURE


def test_a_source_folder_with_a_file_outside_the_content_folders_is_refused(
    tmp_path: Path,
) -> None:
    source = version_one(tmp_path / "src")
    (source / "README.md").write_text("notes")
    with pytest.raises(ContentPushError) as refused:
        read_source(source)
    assert (refused.value.code, refused.value.file) == (ContentRefusal.UNSAFE_PATH, "README.md")


def test_a_source_folder_with_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    source = version_one(tmp_path / "src")
    (source / "lore" / "passwd.toml").symlink_to("/etc/passwd")
    with pytest.raises(ContentPushError) as refused:
        read_source(source)
    assert refused.value.code == ContentRefusal.UNSAFE_PATH
    assert refused.value.file == "lore/passwd.toml"


def test_a_bundle_larger_than_one_frame_is_refused_when_built(tmp_path: Path) -> None:
    publisher = make_publisher(tmp_path / "keys")
    files = {"models/big.bin": b"\0" * (MAX_BUNDLE_BYTES + 1)}
    with pytest.raises(ContentPushError) as refused:
        build_bundle(files, load_private_key(publisher.private), version=1, publisher="studio")
    assert refused.value.code == ContentRefusal.TOO_LARGE
    with pytest.raises(ContentPushError) as refused:
        open_bundle(b"\0" * (MAX_BUNDLE_BYTES + 1), load_public_key(publisher.public))
    assert refused.value.code == ContentRefusal.TOO_LARGE
