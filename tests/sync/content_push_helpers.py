"""What the content push tests share: a publisher's real key pair, content folders of a
small lore and story change, real bundles of them, and a look at what is installed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from content_files import write
from new_kind_project import LAMPLIGHTER_STORY

from engine_bridge.core.content_overlay import install_pushed_content, overlay_folder
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.sync.content_bundle import build_bundle, read_source
from engine_bridge.sync.content_push import InstallResult
from engine_bridge.sync.content_signing import (
    generate_key_pair,
    load_private_key,
    load_public_key,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "content"

BRIDGE_LORE = """
[[entry]]
id = "the_new_bridge"
title = "The new bridge"
tags = ["bridge", "blackfen"]
text = "A bridge of black oak built last winter over the Blackfen, where the ferry drowned."
"""

LANTERN_LORE = """
[[entry]]
id = "the_lantern_fair"
title = "The lantern fair"
tags = ["lantern", "fair"]
text = "Each autumn the town hangs a lantern on every door, and counts the doors left dark."
"""


@dataclass(frozen=True)
class Publisher:
    """A publisher's key files, and the bundles it signs."""

    private: Path
    public: Path

    def bundle(self, source: Path, version: int) -> bytes:
        key = load_private_key(self.private)
        return build_bundle(read_source(source), key, version=version, publisher="studio")

    def public_raw(self) -> bytes:
        from engine_bridge.sync.content_signing import public_key_bytes

        return public_key_bytes(load_public_key(self.public))


def make_publisher(folder: Path, name: str = "studio") -> Publisher:
    private, public = generate_key_pair(name, folder)
    return Publisher(private, public)


def version_one(folder: Path) -> Path:
    """A content folder: one new lore file and a new story."""
    write(folder, "lore/bridge.toml", BRIDGE_LORE)
    write(folder, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    return folder


def version_two(folder: Path) -> Path:
    """Version one's story, its lore file gone, another lore file in its place."""
    write(folder, "lore/lantern.toml", LANTERN_LORE)
    write(folder, "story/lamplighter.toml", LAMPLIGHTER_STORY)
    return folder


def install(bundle: bytes, publisher: Publisher, save_dir: Path) -> InstallResult:
    """Install ``bundle`` as the game does: checked over the shipped content."""
    return install_pushed_content(bundle, publisher.public, base_roots=[SHIPPED], save_dir=save_dir)


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the overlay) by relative path, with its SHA-256:
    equal before and after means untouched."""
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def overlay(save_dir: Path) -> Path:
    return overlay_folder(save_dir)


@dataclass(frozen=True)
class Seen:
    """What a runtime started over the shipped content and a save folder loaded."""

    roots: tuple[Path, ...]
    lore: frozenset[str]
    stories: frozenset[str]
    off: dict[str, str]
    errors: int


def start_game(save_dir: Path) -> Seen:
    """Start a runtime over the shipped content with ``save_dir`` (so its overlay), look
    at its content, close it."""
    runtime = Runtime(World.allocate(8), content_roots=[SHIPPED], save_dir=save_dir, watch=False)
    try:
        content = runtime.content
        assert content.knowledge is not None
        assert content.story is not None
        return Seen(
            roots=runtime.content_roots,
            lore=frozenset(entry.id for entry in content.knowledge.entries()),
            stories=frozenset(content.story.stories),
            off=content.off,
            errors=len(content.errors),
        )
    finally:
        runtime.close()
