"""Measure a cloud save of a 10 000-NPC world (docs/sync.md, "Cloud saves", its figures):
the real ``aicore-gateway`` on loopback (SQLite in a scratch folder, or ``--store URL``),
a profile store holding 10 000 NPCs' memory (four keys each, as tests/bench/
test_bench_store.py makes it) and the shipped story, and its sync client.

* upload: from the save's future resolving (the file on disk) until the client's
  ``saves_uploaded`` counts it (read, hashed, sent, checked and stored by the gateway,
  answered, recorded);
* pull: ``save.get`` on a connection of its own until the save is checked and written as a
  slot of a fresh profile (what ``aicore saves pull`` does).

    .venv/bin/python tools/measure_cloud_save.py [--rounds 10] [--store postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zmq

from engine_bridge.content.story import StoryBook
from engine_bridge.store import Store
from engine_bridge.sync.client import SyncClient
from engine_bridge.sync.cloud_pull import get_frame, install_pulled, pulled_from
from engine_bridge.sync.cloud_slot_state import CloudSlotState
from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.keys import load_key_pair, load_public_key
from engine_bridge.sync.keys_folder import allow_key, new_key_pair
from engine_bridge.sync.requester import GatewayRequester

NPCS = 10_000
CONTENT = Path(__file__).resolve().parents[1] / "content"


def _npc(slot: int) -> dict[str, object]:
    return {
        "greeted": slot % 3 == 0,
        "hp": 50 + slot % 50,
        "last_seen_at": (float(slot % 100), 0.0, float(slot // 100)),
        "met": ["player", f"npc_{(slot + 1) % NPCS}"],
    }


def _wait(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"waited {timeout:g} s for {what}")
        time.sleep(0.0005)


def _keys(work: Path) -> Path:
    """The gateway's keys folder and the game's; returns the game's secret key file."""
    new_key_pair("gateway", work / "gateway-keys")
    _, secret = new_key_pair("alice", work / "game-keys")
    allow_key(work / "game-keys" / "alice.key", work / "gateway-keys")
    shutil.copy(work / "gateway-keys" / "gateway.key", work / "game-keys")
    (work / "game-keys" / "alice.key").unlink()
    return secret


def _world(folder: Path) -> Store:
    store = Store.open(folder, "player")
    memory = store.npc_memory()
    for slot in range(NPCS):
        memory[slot].update(_npc(slot))
    store.story_state.write(StoryBook.load(CONTENT).snapshot())
    store.flush()
    assert store.wait_committed(timeout=120)
    return store


def _uploads(store: Store, endpoint: str, keys_dir: Path, rounds: int) -> tuple[list[float], int]:
    """Seconds from each save on disk until the client counted it uploaded; the size."""
    client = SyncClient(SyncConfig(endpoint, keys_dir=keys_dir), store, agent="aicore/measure")
    client.start()
    try:
        _wait(lambda: client.metrics.state == "online", "the client online")
        times, size = [], 0
        memory = store.npc_memory()
        for round_ in range(rounds):
            memory[round_]["hp"] = -round_  # a new play-through each round
            store.flush()
            info = store.saves.save("world").result(120)
            began = time.perf_counter()
            _wait(lambda n=round_: client.metrics.saves_uploaded > n, "the upload")
            times.append(time.perf_counter() - began)
            size = info.path.stat().st_size
        return times, size
    finally:
        client.close()


def _pulls(work: Path, endpoint: str, secret: Path, rounds: int) -> list[float]:
    """Seconds from save.get until the save is a slot of a fresh profile."""
    keys = load_key_pair(secret)
    gateway_key = load_public_key(work / "game-keys" / "gateway.key")
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    times = []
    try:
        for round_ in range(rounds):
            fresh = Store.open(work / f"fresh-{round_}", "player")
            requester = GatewayRequester(context, endpoint, keys, gateway_key)
            try:
                began = time.perf_counter()
                frame = get_frame(f"alice/{fresh.sync_stream.id}", "world")
                pulled = pulled_from(requester.request(frame, 60), "world")
                install_pulled(fresh, CloudSlotState(fresh.paths.folder), pulled)
                times.append(time.perf_counter() - began)
            finally:
                requester.close()
                fresh.close()
    finally:
        context.destroy(linger=0)
    return times


def _say(what: str, seconds: list[float]) -> None:
    ms = [1e3 * s for s in seconds]
    print(
        f"{what}, {len(ms)} rounds: median {statistics.median(ms):.1f} ms, "
        f"min {min(ms):.1f}, max {max(ms):.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--store", help="the gateway's store URL (default: SQLite, scratch)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aicore-cloud-save-"))
    gateway = None
    try:
        secret = _keys(work)
        store_url = args.store or f"sqlite:{work / 'gateway.db'}"
        command = [sys.executable, "-m", "aicore_gateway", "--bind", "tcp://127.0.0.1:*"]
        command += ["--store", store_url, "--keys", str(work / "gateway-keys")]
        with (work / "gateway.log").open("wb") as log:
            gateway = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        assert gateway.stdout is not None
        endpoint = json.loads(gateway.stdout.readline())["bind"]
        store = _world(work / "saves")
        try:
            uploads, size = _uploads(store, endpoint, work / "game-keys", args.rounds)
        finally:
            store.close()
        pulls = _pulls(work, endpoint, secret, args.rounds)
        print(f"save file: {size:,} bytes ({NPCS} NPCs, 4 keys each, and the shipped story)")
        _say("upload (save on disk -> gateway stored it -> recorded)", uploads)
        _say("pull (save.get -> checked -> written as a slot)", pulls)
        return 0
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
