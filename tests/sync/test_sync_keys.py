"""CURVE key files as ``zmq.auth.create_certificates`` writes them, and the keys folder
the game's sync takes: every way they can be wrong is a ``KeyFileError`` with the file
and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import zmq.auth
from sync_test_gateway import Keys

from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.keys import KeyFileError, load_key_pair, load_public_key


def test_keys_load_from_the_files_pyzmq_writes(keys: Keys) -> None:
    pair = load_key_pair(keys.game_dir / "player1.key_secret")
    assert pair.name == "player1"
    assert pair.public == load_public_key(keys.game_dir / "player1.key")
    assert len(pair.secret) == 40
    assert pair.secret.decode() not in repr(pair)  # the secret stays out of logs
    config = SyncConfig("tcp://127.0.0.1:7700", keys_dir=keys.game_dir)
    assert config.key_files() == (
        keys.game_dir / "gateway.key",
        keys.game_dir / "player1.key_secret",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('public-key = "short"\n', "its public key is not 40 characters of Z85 (5 characters)"),
        ("# nothing here\n", "holds no public-key line"),
    ],
)
def test_a_file_that_is_not_a_key_is_named_with_the_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text(content)
    with pytest.raises(KeyFileError) as caught:
        load_public_key(bad)
    assert caught.value.path == bad
    assert caught.value.reason == reason


def test_a_public_key_file_is_not_a_key_pair(keys: Keys) -> None:
    with pytest.raises(KeyFileError) as caught:
        load_key_pair(keys.game_dir / "player1.key")
    assert caught.value.reason == "holds no secret key"
    with pytest.raises(KeyFileError) as missing:
        load_public_key(keys.game_dir / "nobody.key")
    assert missing.value.reason == "no such file"


def test_a_keys_folder_needs_exactly_one_game_key(tmp_path: Path, keys: Keys) -> None:
    with pytest.raises(KeyFileError) as absent:
        SyncConfig("tcp://127.0.0.1:7700", keys_dir=tmp_path / "nowhere").key_files()
    assert absent.value.reason == "no such folder"
    zmq.auth.create_certificates(keys.game_dir, "player2")
    with pytest.raises(KeyFileError) as two:
        SyncConfig("tcp://127.0.0.1:7700", keys_dir=keys.game_dir).key_files()
    assert "player1.key_secret, player2.key_secret" in two.value.reason
    # Named files win over the folder.
    chosen = SyncConfig(
        "tcp://127.0.0.1:7700",
        keys_dir=keys.game_dir,
        client_key=keys.game_dir / "player2.key_secret",
    ).key_files()
    assert chosen[1].name == "player2.key_secret"


def test_a_config_says_what_it_lacks() -> None:
    with pytest.raises(ValueError, match="keys_dir"):
        SyncConfig("tcp://127.0.0.1:7700")
    with pytest.raises(ValueError, match="transport://address"):
        SyncConfig("127.0.0.1:7700", keys_dir=Path("keys"))
