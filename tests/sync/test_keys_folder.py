"""CURVE key files and a gateway's keys folder: ``engine_bridge/sync/keys_folder.py`` and
``aicore keys`` as a person runs it."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine_bridge.sync.keys import load_key_pair, load_public_key
from engine_bridge.sync.keys_folder import (
    KeyFolderError,
    KeyProblem,
    allow_key,
    load_allow_list,
    load_gateway_key_pair,
    new_key_pair,
    revoke_key,
)


def aicore_keys(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "engine_bridge.tooling.cli", "keys", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_new_pair_is_a_pyzmq_certificate_pair_with_a_private_secret(tmp_path: Path) -> None:
    public, secret = new_key_pair("alice", tmp_path / "keys")
    assert (public.name, secret.name) == ("alice.key", "alice.key_secret")
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    pair = load_key_pair(secret)
    assert pair.name == "alice"
    assert load_public_key(public) == pair.public
    assert len(pair.public) == len(pair.secret) == 40
    with pytest.raises(KeyFolderError) as refused:
        new_key_pair("alice", tmp_path / "keys")
    assert refused.value.problem == KeyProblem.EXISTS
    assert load_key_pair(secret) == pair  # not overwritten
    for bad in ("", "a/b", ".hidden", "x" * 65, "é"):
        with pytest.raises(KeyFolderError) as refused:
            new_key_pair(bad, tmp_path / "keys")
        assert refused.value.problem == KeyProblem.BAD_NAME


def test_allow_and_revoke_keep_the_allow_list(tmp_path: Path) -> None:
    gateway, clients = tmp_path / "gateway", tmp_path / "clients"
    new_key_pair("gateway", gateway)
    alice_public, alice_secret = new_key_pair("alice", clients)
    assert load_gateway_key_pair(gateway).name == "gateway"

    assert allow_key(alice_public, gateway) == gateway / "allowed" / "alice.key"
    allowed = load_allow_list(gateway)
    assert allowed.names_by_key == {load_public_key(alice_public): "alice"}
    assert allowed.problems == ()

    refusals = {
        KeyProblem.SECRET_GIVEN: alice_secret,
        KeyProblem.EXISTS: alice_public,
        KeyProblem.MISSING: clients / "nobody.key",
    }
    for problem, path in refusals.items():
        with pytest.raises(KeyFolderError) as refused:
            allow_key(path, gateway)
        assert refused.value.problem == problem
    # The same key under another name is refused too: one key, one identity.
    twin = clients / "twin.key"
    twin.write_bytes(alice_public.read_bytes())
    with pytest.raises(KeyFolderError) as refused:
        allow_key(twin, gateway)
    assert refused.value.problem == KeyProblem.EXISTS

    assert revoke_key("alice", gateway) == gateway / "allowed" / "alice.key"
    assert load_allow_list(gateway).names == frozenset()
    with pytest.raises(KeyFolderError) as refused:
        revoke_key("alice", gateway)
    assert refused.value.problem == KeyProblem.MISSING


def test_files_the_allow_list_cannot_use_are_reported_not_skipped(tmp_path: Path) -> None:
    new_key_pair("bob", tmp_path / "clients")
    allow_key(tmp_path / "clients" / "bob.key", tmp_path)
    (tmp_path / "allowed" / "junk.key").write_text("not a certificate\n")
    (tmp_path / "allowed" / "short.key").write_text('curve\n    public-key = "abc"\n')
    allowed = load_allow_list(tmp_path)
    assert allowed.names == frozenset({"bob"})
    assert sorted(p.path.name for p in allowed.problems) == ["junk.key", "short.key"]
    assert {p.problem for p in allowed.problems} == {KeyProblem.UNREADABLE}


def test_aicore_keys_new_allow_list_revoke(tmp_path: Path) -> None:
    gateway, clients = tmp_path / "gateway", tmp_path / "clients"
    made = aicore_keys("new", "gateway", "--dir", gateway)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (gateway / "gateway.key_secret").is_file()
    assert aicore_keys("new", "alice", "--dir", clients).returncode == 0

    allowed = aicore_keys("allow", clients / "alice.key", "--keys", gateway)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    listed = aicore_keys("list", "--keys", gateway)
    assert listed.returncode == 0
    assert listed.stdout.split()[:2] == [
        "alice",
        load_public_key(clients / "alice.key").decode("ascii"),
    ]

    secret = aicore_keys("allow", clients / "alice.key_secret", "--keys", gateway)
    assert secret.returncode == 1
    assert "secret_given" in secret.stdout
    assert not (gateway / "allowed" / "alice.key_secret").exists()

    assert aicore_keys("revoke", "alice", "--keys", gateway).returncode == 0
    assert aicore_keys("revoke", "alice", "--keys", gateway).returncode == 1
    assert "no key is allowed" in aicore_keys("list", "--keys", gateway).stdout
