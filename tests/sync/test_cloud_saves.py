"""Cloud saves end to end: the real ``aicore-gateway`` process (SQLite, and PostgreSQL
where it costs little), real runtimes with their sync clients and real save files, and
``aicore saves pull`` on a fresh machine. A save goes up when it completes (offline: when
the gateway answers again), comes down on another machine and loads there; two machines
saving one slot from the same parent make a conflict that keeps both; a download that is
not what it claims is refused and nothing local is touched."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cloud_game import (
    cloud_saves,
    game_keys,
    online,
    play_until,
    scripts,
    sha256_of,
    start,
    uploaded,
)
from gw_client import curve_client, only
from gw_process import Keys, make_keys, running_gateway

from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.store import Store
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.cloud_saves import MAX_SAVE_BYTES
from engine_bridge.sync.frames import MAX_MESSAGE_BYTES
from engine_bridge.tooling.cli import main


@pytest.fixture
def gateway_keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture
def keys_dir(gateway_keys: Keys, tmp_path: Path) -> Path:
    return game_keys(gateway_keys, tmp_path / "game-keys")


@pytest.fixture
def script_dir(tmp_path: Path) -> Path:
    return scripts(tmp_path / "scripts")


@pytest.fixture
def runtimes() -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    try:
        yield made
    finally:
        for runtime in made:
            runtime.close()


def _pull(
    capsys: pytest.CaptureFixture[str], save_dir: Path, endpoint: str, keys: Path, *more: str
) -> tuple[int, str]:
    code = main(
        [
            "saves",
            "pull",
            "--save-dir",
            str(save_dir),
            "--sync",
            endpoint,
            "--sync-keys",
            str(keys),
            *more,
        ]
    )
    return code, capsys.readouterr().out


def _slot(save_dir: Path, slot: str) -> Path:
    return save_dir / "default" / "slots" / f"{slot}.db"


def test_a_save_goes_up_and_comes_down_on_a_fresh_machine_where_it_loads(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    store_url: str,
    tmp_path: Path,
    runtimes: list[Runtime],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running_gateway(gateway_keys, store_url, tmp_path / "gateway.log") as gateway:
        first = start(tmp_path / "pc", script_dir, gateway.endpoint, keys_dir)
        runtimes.append(first)
        slots = [0, 1, 2]
        for slot in slots:
            first.spawn(slot, "counter")
        play_until(first, lambda: online(first) and first.frame >= 5, "the stream online")
        ticks = {slot: first.scheduler.npcs[slot].recall("ticks") for slot in slots}
        assert all(isinstance(n, int) and n > 0 for n in ticks.values())
        first.save("hero", label="at the gate")
        play_until(first, uploaded(first, 1), "the save uploaded")
        saved = _slot(tmp_path / "pc", "hero")
        [listed] = cloud_saves(gateway, gateway_keys)
        assert (listed["slot"], listed["sha256"]) == ("hero", sha256_of(saved))
        assert listed["size"] == saved.stat().st_size
        assert str(listed["stream"]).startswith("alice/")
        assert first.sync_metrics is not None
        assert first.sync_metrics.save_conflicts == 0

        fresh = tmp_path / "laptop"  # nothing there yet: not even the profile
        code, out = _pull(capsys, fresh, gateway.endpoint, keys_dir, "--slot", "hero")
        assert code == 0, out
        assert "written as slot 'hero'" in out
        assert sha256_of(_slot(fresh, "hero")) == listed["sha256"]
        # Pulled again: it is there already.
        code, out = _pull(capsys, fresh, gateway.endpoint, keys_dir)
        assert (code, "is this save already" in out) == (0, True), out

    second = Runtime(World.allocate(8), script_dirs=[script_dir], save_dir=fresh, watch=False)
    runtimes.append(second)
    for slot in slots:
        second.spawn(slot, "counter")
    info = second.load("hero")
    assert info.label == "at the gate"
    for slot in slots:
        assert second.scheduler.npcs[slot].recall("ticks") == ticks[slot]
        assert second.scheduler.npcs[slot].recall("where") == ("crypt", [1, 2], {"deep": True})


def test_two_machines_saving_from_the_same_parent_make_a_conflict_and_both_are_kept(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    tmp_path: Path,
    runtimes: list[Runtime],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    pc, laptop = tmp_path / "pc", tmp_path / "laptop"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        desk = start(pc, script_dir, gateway.endpoint, keys_dir)
        runtimes.append(desk)
        desk.spawn(0, "counter")
        play_until(desk, lambda: online(desk), "the stream online")
        desk.save("hero")
        play_until(desk, uploaded(desk, 1), "the first save uploaded")
        parent = sha256_of(_slot(pc, "hero"))
        assert _pull(capsys, laptop, gateway.endpoint, keys_dir)[0] == 0

        lap = start(laptop, script_dir, gateway.endpoint, keys_dir)
        runtimes.append(lap)
        lap.spawn(0, "counter")
        play_until(lap, lambda: online(lap), "the laptop online")
        # Both play on from the same parent and save the same slot.
        play_until(desk, lambda: desk.frame > 30, "some play")
        desk.save("hero")
        play_until(desk, uploaded(desk, 2), "the desk's second save uploaded")
        lap.save("hero")
        play_until(lap, uploaded(lap, 1), "the laptop's save uploaded")
        metrics = lap.sync_metrics
        assert metrics is not None
        assert metrics.save_conflicts == 1
        desk_sha, lap_sha = sha256_of(_slot(pc, "hero")), sha256_of(_slot(laptop, "hero"))
        saves = cloud_saves(gateway, gateway_keys)
        assert [s["sha256"] for s in saves] == [lap_sha, desk_sha, parent]  # all kept
        assert saves[0]["conflict_of"] == desk_sha
        for runtime in (desk, lap):
            runtime.close()

        # The desk pulls: its own save is kept, the laptop's written beside it, said so.
        code, out = _pull(capsys, pc, gateway.endpoint, keys_dir, "--slot", "hero")
        assert code == 0, out
        assert "holds another save" in out
        assert "conflict:" in out
        assert sha256_of(_slot(pc, "hero")) == desk_sha
        assert sha256_of(_slot(pc, "hero-cloud")) == lap_sha


def test_a_save_made_offline_goes_up_when_the_gateway_answers_again(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    tmp_path: Path,
    runtimes: list[Runtime],
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    save_dir = tmp_path / "pc"
    with socket.socket() as probe:  # a port nobody listens on yet: the gateway's later
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"tcp://127.0.0.1:{port}"
    # Offline from the start: the save is made, nothing goes up, the game closes.
    runtime = start(save_dir, script_dir, endpoint, keys_dir)
    runtime.spawn(0, "counter")
    runtime.tick(1 / 60, b"")
    runtime.save("before")
    metrics = runtime.sync_metrics
    assert metrics is not None
    assert metrics.saves_uploaded == 0
    runtime.close()

    bind = ["--bind", endpoint]
    with running_gateway(gateway_keys, url, tmp_path / "second.log", bind) as gateway:
        again = start(save_dir, script_dir, endpoint, keys_dir)
        runtimes.append(again)
        again.spawn(0, "counter")
        play_until(again, uploaded(again, 1), "the offline save uploaded")
        # Now the gateway goes away while the game plays, and a save is made meanwhile.
        gateway.signal(signal.SIGKILL)
        gateway.wait()
        play_until(again, lambda: not online(again), "the stream offline")
        again.save("during")
    with running_gateway(gateway_keys, url, tmp_path / "third.log", bind) as gateway:
        play_until(again, uploaded(again, 2), "the save made offline uploaded")
        listed = {s["slot"]: s["sha256"] for s in cloud_saves(gateway, gateway_keys)}
    assert listed == {
        "before": sha256_of(_slot(save_dir, "before")),
        "during": sha256_of(_slot(save_dir, "during")),
    }


def test_a_download_that_is_not_what_it_claims_is_refused_and_nothing_local_changes(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    tmp_path: Path,
    runtimes: list[Runtime],
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "gateway.db"
    with running_gateway(gateway_keys, f"sqlite:{database}", tmp_path / "gateway.log") as gateway:
        runtime = start(tmp_path / "pc", script_dir, gateway.endpoint, keys_dir)
        runtimes.append(runtime)
        runtime.spawn(0, "counter")
        play_until(runtime, lambda: online(runtime), "the stream online")
        runtime.save("hero")
        play_until(runtime, uploaded(runtime, 1), "the save uploaded")

        # Another machine has its own "hero"; then the cloud's copy is damaged in storage.
        other = tmp_path / "other"
        with Store.open(other, "default") as store:
            store.saves.save("hero").result(30)
        before = sha256_of(_slot(other, "hero"))
        with sqlite3.connect(database) as conn:
            (data,) = conn.execute("SELECT data FROM saves").fetchone()
            conn.execute("UPDATE saves SET data = ?", (data[:-1] + bytes([data[-1] ^ 1]),))
        code, out = _pull(capsys, other, gateway.endpoint, keys_dir, "--slot", "hero")
        assert code == 1
        assert "corrupt" in out
        assert "SHA-256" in out
        assert sha256_of(_slot(other, "hero")) == before
        assert not _slot(other, "hero-cloud").exists()

        # Through the runtime: refused the same way, counted, the game plays on.
        with pytest.raises(CloudSaveError) as refused:
            runtime.pull_save("hero")
        assert refused.value.code == CloudSaveRefusal.CORRUPT
        metrics = runtime.sync_metrics
        assert metrics is not None
        assert metrics.faults.get("save_pull") == 1


def test_bytes_with_the_right_sha256_that_are_no_save_are_refused_before_they_are_a_slot(
    gateway_keys: Keys, keys_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    junk = b"SQLite format 3\x00" + b"\x00" * 4000  # a header, then nothing sound
    body = {
        "slot": "hero",
        "saved_at": 1.0,
        "sha256": hashlib.sha256(junk).hexdigest(),
        "parent_sha256": None,
        "data": junk,
    }
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        alice = gateway_keys.clients["alice"]
        with curve_client(gateway.endpoint, gateway_keys.server_public, alice) as peer:
            only(peer.control("save.put", body), "save.stored")
        code, out = _pull(capsys, tmp_path / "fresh", gateway.endpoint, keys_dir)
    assert code == 1
    assert "corrupt: not a sound save" in out
    assert list((tmp_path / "fresh" / "default" / "slots").iterdir()) == []


def test_a_key_with_no_cloud_save_and_a_gateway_away_are_said_so(
    gateway_keys: Keys, keys_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        endpoint = gateway.endpoint
        code, out = _pull(capsys, tmp_path / "fresh", endpoint, keys_dir)
        assert (code, out.startswith("aicore saves pull: no_such_save")) == (1, True), out
    code, out = _pull(capsys, tmp_path / "fresh", endpoint, keys_dir, "--timeout", "1")
    assert (code, out.startswith("aicore saves pull: unavailable")) == (1, True), out


def test_the_largest_save_one_message_carries_goes_up_and_comes_down(
    gateway_keys: Keys, tmp_path: Path
) -> None:
    data = os.urandom(MAX_SAVE_BYTES)
    body = {
        "slot": "big",
        "saved_at": 1.0,
        "sha256": hashlib.sha256(data).hexdigest(),
        "parent_sha256": None,
        "data": data,
    }
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        alice = gateway_keys.clients["alice"]
        with curve_client(gateway.endpoint, gateway_keys.server_public, alice) as peer:
            stored = only(peer.control("save.put", body), "save.stored")
            assert stored.body["sha256"] == body["sha256"]
            got = only(peer.control("save.get", {"slot": "big"}), "save.data")
            assert got.body["data"] == data
            # One byte more than a message takes is refused whole, nothing stored.
            over = os.urandom(MAX_MESSAGE_BYTES)
            body.update(slot="bigger", data=over, sha256=hashlib.sha256(over).hexdigest())
            refused = only(peer.control("save.put", body), "sync.reject")
            assert refused.body["code"] == "oversized"
            listed = only(peer.control("save.list", {}), "save.listing").body["saves"]
            assert [s["size"] for s in listed] == [MAX_SAVE_BYTES]


def test_a_newer_cloud_save_made_from_the_local_one_replaces_it_and_keeps_it_as_previous(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    tmp_path: Path,
    runtimes: list[Runtime],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    pc, laptop = tmp_path / "pc", tmp_path / "laptop"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        desk = start(pc, script_dir, gateway.endpoint, keys_dir)
        runtimes.append(desk)
        desk.spawn(0, "counter")
        play_until(desk, lambda: online(desk), "the stream online")
        desk.save("hero")
        play_until(desk, uploaded(desk, 1), "the first save uploaded")
        first = sha256_of(_slot(pc, "hero"))
        assert _pull(capsys, laptop, gateway.endpoint, keys_dir)[0] == 0
        play_until(desk, lambda: desk.frame > 20, "more play")
        desk.save("hero")
        play_until(desk, uploaded(desk, 2), "the second save uploaded")
        code, out = _pull(capsys, laptop, gateway.endpoint, keys_dir, "--slot", "hero")
    assert code == 0, out
    assert "replaced" in out
    assert sha256_of(_slot(laptop, "hero")) == sha256_of(_slot(pc, "hero"))
    assert sha256_of(_slot(laptop, "hero.previous")) == first


def test_a_pull_through_the_runtime_while_offline_is_unavailable_after_its_timeout(
    keys_dir: Path, script_dir: Path, tmp_path: Path, runtimes: list[Runtime]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    runtime = start(tmp_path / "pc", script_dir, endpoint, keys_dir)
    runtimes.append(runtime)
    client = runtime.persistence.sync.client
    assert client is not None
    with pytest.raises(CloudSaveError) as refused:
        client.pull("hero", timeout_s=0.5)
    assert refused.value.code == CloudSaveRefusal.UNAVAILABLE
    assert "no cloud save within 0.5 s" in refused.value.reason
    assert not (tmp_path / "pc" / "default" / "slots" / "hero.db").exists()
    runtime.tick(1 / 60, b"")  # the game plays on
    assert runtime.frame == 1


def test_autosaves_go_up_too(
    gateway_keys: Keys, keys_dir: Path, script_dir: Path, tmp_path: Path, runtimes: list[Runtime]
) -> None:
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        runtime = start(tmp_path / "pc", script_dir, gateway.endpoint, keys_dir, 0.1)
        runtimes.append(runtime)
        runtime.spawn(0, "counter")
        play_until(runtime, uploaded(runtime, 2), "two autosaves uploaded")
        saves = cloud_saves(gateway, gateway_keys)
    assert {s["slot"] for s in saves} == {"autosave"}
    assert len({s["sha256"] for s in saves}) == len(saves) >= 2
    assert all(s["conflict_of"] is None for s in saves)  # each made from the one before


def test_with_several_gateways_saves_go_to_the_one_that_answers(
    gateway_keys: Keys,
    keys_dir: Path,
    script_dir: Path,
    tmp_path: Path,
    runtimes: list[Runtime],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:  # a gateway that is down, listed first
        probe.bind(("127.0.0.1", 0))
        dead = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    url = f"sqlite:{tmp_path / 'gateway.db'}"
    with running_gateway(gateway_keys, url, tmp_path / "gateway.log") as gateway:
        endpoints = f"{dead},{gateway.endpoint}"
        runtime = start(tmp_path / "pc", script_dir, endpoints, keys_dir)
        runtimes.append(runtime)
        runtime.spawn(0, "counter")
        play_until(runtime, lambda: online(runtime), "the stream online")
        runtime.save("hero")
        play_until(runtime, uploaded(runtime, 1), "the save uploaded")
        metrics = runtime.sync_metrics
        assert metrics is not None
        assert metrics.endpoint == gateway.endpoint
        fresh = tmp_path / "laptop"
        code, out = _pull(capsys, fresh, endpoints, keys_dir, "--timeout", "2")
    assert code == 0, out
    assert sha256_of(_slot(fresh, "hero")) == sha256_of(_slot(tmp_path / "pc", "hero"))
