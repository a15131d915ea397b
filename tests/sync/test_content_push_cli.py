"""``aicore content`` as a publisher and a tester run it: the installed console script, a
real key pair, a real content folder and save folder."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from cli_runner import run_aicore
from content_files import write
from content_push_helpers import SHIPPED, overlay, start_game, version_one

from engine_bridge.sync.content_overlay import installed_version


def _content(
    venv_bin: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    return run_aicore(venv_bin, env, "content", *map(str, args))


def test_keygen_bundle_verify_install_then_the_game_sees_the_new_lore(
    tmp_path: Path, venv_bin: Path, clean_env: dict[str, str]
) -> None:
    keys, save = tmp_path / "keys", tmp_path / "save"
    made = _content(venv_bin, clean_env, "keygen", "studio", "--dir", keys)
    assert made.returncode == 0, made.stderr
    private, public = keys / "studio.ed25519", keys / "studio.ed25519.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600

    source = version_one(tmp_path / "src")
    bundle = tmp_path / "out" / "studio-1.bundle"
    bundle.parent.mkdir()
    built = _content(
        venv_bin, clean_env, "bundle", source, "--key", private, "--version", "1", "--out", bundle
    )
    assert built.returncode == 0, built.stderr
    assert "studio version 1, 2 files" in built.stdout
    assert [p.name for p in bundle.parent.iterdir()] == ["studio-1.bundle"]  # no temporary

    checked = _content(
        venv_bin, clean_env, "verify", bundle, "--publisher-key", public, "--check",
        "--content", SHIPPED,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "lore/bridge.toml" in checked.stdout
    assert "signature good" in checked.stdout

    installed = _content(
        venv_bin, clean_env, "install", bundle, "--publisher-key", public, "--save", save
    )
    assert installed.returncode == 0, installed.stderr
    assert installed_version(overlay(save)) == 1
    assert "the_new_bridge" in start_game(save).lore

    again = _content(
        venv_bin, clean_env, "install", bundle, "--publisher-key", public, "--save", save
    )
    assert again.returncode == 1
    assert "not_newer" in again.stderr


def test_a_bundle_from_another_key_and_a_source_outside_the_folders_are_refused(
    tmp_path: Path, venv_bin: Path, clean_env: dict[str, str]
) -> None:
    for name in ("studio", "intruder"):
        assert _content(venv_bin, clean_env, "keygen", name, "--dir", tmp_path).returncode == 0
    source = version_one(tmp_path / "src")
    bundle = tmp_path / "intruder.bundle"
    built = _content(
        venv_bin, clean_env, "bundle", source, "--key", tmp_path / "intruder.ed25519",
        "--version", "2", "--out", bundle,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    refused = _content(
        venv_bin, clean_env, "verify", bundle, "--publisher-key", tmp_path / "studio.ed25519.pub"
    )
    assert refused.returncode == 1
    assert "bad_signature" in refused.stderr

    write(source, "scripts/evil.py", "import os\n")
    unsafe = _content(
        venv_bin, clean_env, "bundle", source, "--key", tmp_path / "studio.ed25519",
        "--version", "3", "--out", tmp_path / "unsafe.bundle",
    )  # fmt: skip
    assert unsafe.returncode == 1
    assert "unsafe_path" in unsafe.stderr
    assert "'scripts/evil.py'" in unsafe.stderr
    assert not (tmp_path / "unsafe.bundle").exists()
    # A key is never overwritten.
    assert _content(venv_bin, clean_env, "keygen", "studio", "--dir", tmp_path).returncode == 1
