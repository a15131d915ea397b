"""Content fetch end to end: the real gateway started with ``--content-bundles`` serving a
bundle signed with a real key; the game's sync client asks for it when it connects,
verifies and installs it on its own thread, and the next start of the game reads the new
lore. A bundle signed by another key is refused, counted and logged, and the game plays on
with what it has."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from cloud_game import FILES_FAST, game_keys, online, play_until
from content_push_helpers import SHIPPED, make_publisher, overlay, start_game, tree, version_one
from gw_process import Keys, make_keys, running_gateway

from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.sync.config import SyncConfig


@pytest.fixture
def gateway_keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


def _bundles(tmp_path: Path, signer: str) -> Path:
    """A bundle folder holding version 1 (the new bridge's lore) signed by ``signer``."""
    publisher = make_publisher(tmp_path / f"{signer}-keys", signer)
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / f"{signer}-1.bundle").write_bytes(publisher.bundle(version_one(tmp_path / "v1"), 1))
    return folder


def _game(save_dir: Path, endpoint: str, keys_dir: Path, publisher_key: Path | None) -> Runtime:
    sync = SyncConfig(endpoint, keys_dir=keys_dir, tuning=FILES_FAST, publisher_key=publisher_key)
    return Runtime(
        World.allocate(8),
        content_roots=[SHIPPED],
        save_dir=save_dir,
        watch=False,
        manage_gc=False,
        sync=sync,
    )


def test_a_bundle_the_gateway_serves_is_installed_and_read_at_the_next_start(
    gateway_keys: Keys, tmp_path: Path
) -> None:
    bundles = _bundles(tmp_path, "studio")
    keys_dir = game_keys(gateway_keys, tmp_path / "game-keys")
    # The publisher's public key in the game's keys folder: found there.
    shutil.copy(tmp_path / "studio-keys" / "studio.ed25519.pub", keys_dir)
    save_dir = tmp_path / "save"
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    extra = ["--content-bundles", str(bundles)]
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log", extra) as gateway:
        game = _game(save_dir, gateway.endpoint, keys_dir, None)
        try:
            assert game.problems() == []

            def installed() -> bool:
                metrics = game.sync_metrics
                return metrics is not None and metrics.content_installed == 1

            play_until(game, installed, "the bundle installed")
            metrics = game.sync_metrics
            assert metrics is not None
            assert (metrics.content_checks, metrics.content_refused) == (1, {})
            # The running game keeps the content it started with.
            assert game.content.knowledge is not None
            assert game.content.knowledge.get("the_new_bridge") is None
        finally:
            game.close()
    seen = start_game(save_dir)
    assert "the_new_bridge" in seen.lore
    assert seen.roots[-1] == overlay(save_dir) / "v1"


def test_a_bundle_signed_by_another_key_is_refused_counted_and_the_game_plays_on(
    gateway_keys: Keys, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundles = _bundles(tmp_path, "mallory")
    ours = make_publisher(tmp_path / "studio-keys", "studio")
    keys_dir = game_keys(gateway_keys, tmp_path / "game-keys")
    save_dir = tmp_path / "save"
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    extra = ["--content-bundles", str(bundles)]
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log", extra) as gateway:
        game = _game(save_dir, gateway.endpoint, keys_dir, ours.public)
        try:
            with caplog.at_level(logging.ERROR, logger="aicore.sync"):

                def refused() -> bool:
                    metrics = game.sync_metrics
                    return metrics is not None and bool(metrics.content_refused)

                play_until(game, refused, "the bundle refused")
                frame = game.frame
                play_until(game, lambda: online(game) and game.frame > frame + 10, "more play")
            metrics = game.sync_metrics
            assert metrics is not None
            assert metrics.content_refused == {"bad_signature": 1}
            assert metrics.content_installed == 0
            assert metrics.faults.get("content") == 1
            fault = metrics.last_transfer_fault
            assert fault is not None
            assert fault.code == "bad_signature"
            assert any('"code": "bad_signature"' in r.getMessage() for r in caplog.records)
        finally:
            game.close()
    assert tree(overlay(save_dir)) == {}  # nothing installed
    assert "the_new_bridge" not in start_game(save_dir).lore
