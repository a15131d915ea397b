"""Demo step: cloud sync (docs/sync.md). A local gateway (SQLite store) runs as a
subprocess; the shipped NPCs play online, each body the broker buys a durable event in
the outbox; the gateway is killed mid-run and the game plays on offline; the gateway
comes back and the outbox drains. The summary counts what the game produced, what the
gateway holds, the duplicates it applied (0) and what was lost (0)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from engine_bridge.sandbox import Sandbox
from engine_bridge.sync.config import GATEWAY_KEY_FILE, SyncConfig, SyncTuning
from engine_bridge.sync.keys_folder import allow_key, new_key_pair
from engine_bridge.tooling.demo.demo_record import DemoRecord, SyncCounts, WorldEvent
from vocal.content import content_root

TITLE = "cloud sync: online, the gateway killed, offline, back online"
ORDER = 58

_REPO = Path(__file__).resolve().parents[4]
_WAIT_S = 60.0  # for the gateway to start or the outbox to drain: a bound, not a speed
# Quicker than a game's defaults, so the demo does not wait half a minute to reconnect.
_TUNING = SyncTuning(heartbeat_s=0.2, backoff_initial_s=0.05, backoff_cap_s=0.5)


def _keys(root: Path) -> tuple[Path, Path]:
    """The gateway's keys folder (its pair, the player allowed) and the game's (the
    gateway's public key, the player's pair)."""
    gateway, game = root / "gateway-keys", root / "game-keys"
    new_key_pair("gateway", gateway)
    new_key_pair("player", game)
    allow_key(game / "player.key", gateway)
    (game / GATEWAY_KEY_FILE).write_bytes((gateway / GATEWAY_KEY_FILE).read_bytes())
    return gateway, game


@contextmanager
def _gateway(
    keys: Path, database: Path, bind: str, log: Path
) -> Iterator[tuple[str, Callable[[], None]]]:
    """A running ``aicore-gateway``: its endpoint, and a call that SIGKILLs it."""
    command = [sys.executable, "-m", "aicore_gateway", "--bind", bind]
    command += ["--store", f"sqlite:{database}", "--keys", str(keys)]
    with (
        log.open("a") as sink,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=sink, text=True, env=dict(os.environ)
        ) as process,
    ):
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the gateway did not start; its log: {log}")
            endpoint = json.loads(line)["bind"]
            yield endpoint, lambda: (process.send_signal(signal.SIGKILL), process.wait())
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(_WAIT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _play(box: Sandbox, broker: int, frames: int) -> None:
    for frame in range(frames):
        box.send("custom", name="body_offered", npc=broker)  # a bargain every frame
        if frame % 60 == 0:
            box.send("custom", name="grave_opened")
        box.step(1)


def _drain(box: Sandbox) -> None:
    store = box.runtime.persistence.store
    assert store is not None
    deadline = time.monotonic() + _WAIT_S
    while store.outbox.pending(limit=1):
        if time.monotonic() > deadline:
            raise RuntimeError("the outbox did not drain into the gateway")
        box.step(1)
        time.sleep(0.01)


def _mark(record: DemoRecord | None, box: Sandbox, what: str) -> None:
    if record is not None:
        record.events.append(WorldEvent(TITLE, "frame", box.runtime.scheduler.frame, "", what))


def run(out_dir: Path, *, record: DemoRecord | None = None) -> list[str]:
    from aicore_gateway.stores import open_store  # the gateway's own package: a tool's

    root = out_dir / "sync"
    shutil.rmtree(root, ignore_errors=True)  # a demo run again starts from nothing
    gateway_keys, game_keys = _keys(root)
    database = root / "gateway.db"
    log = root / "gateway.log"
    box: Sandbox | None = None
    try:
        with _gateway(gateway_keys, database, "tcp://127.0.0.1:*", log) as (endpoint, kill):
            box = Sandbox(
                script_dirs=[_REPO / "npc_scripts"],
                content_root=content_root(),
                save_dir=root / "saves",
                sync=SyncConfig(endpoint, keys_dir=game_keys, tuning=_TUNING),
            )
            broker = box.spawn("aethelred", at=(0.0, 4.0, 0.0))
            _mark(record, box, "online: the broker buys bodies")
            _play(box, broker, 300)
            _drain(box)
            online = box.runtime.persistence.store.outbox.last_seq  # type: ignore[union-attr]
            _mark(record, box, f"online: {online} events acknowledged")
            _play(box, broker, 100)  # sent while the gateway dies: some never acked
            kill()
            _mark(record, box, "gateway killed")
        _play(box, broker, 300)  # offline: the game plays on, the outbox keeps them
        offline_pending = len(box.runtime.persistence.store.outbox.pending())  # type: ignore[union-attr]
        _mark(record, box, f"offline: {offline_pending} events wait in the outbox")
        with _gateway(gateway_keys, database, endpoint, log):  # back, on the same port
            _drain(box)
            _mark(record, box, "gateway back: the outbox drained")
            metrics = box.runtime.sync_metrics
            client = box.runtime.persistence.sync.client.client  # type: ignore[union-attr]
            produced = box.runtime.persistence.store.outbox.last_seq  # type: ignore[union-attr]
            problems = box.runtime.problems()
    finally:
        if box is not None:
            box.close()
    store = open_store(f"sqlite:{database}")
    try:
        delivered = store.acked_through(client)
        applied = sum(store.effects(client).values())
    finally:
        store.close()
    assert metrics is not None
    if record is not None:
        record.sync = SyncCounts(
            produced=produced,
            delivered=delivered,
            duplicates=applied - delivered,
            lost=produced - delivered,
            offline_pending=offline_pending,
            reconnects=metrics.reconnects,
        )
    return [
        f"gateway: {endpoint}, SQLite store {database}, keys in {root}",
        f"online: {online} events delivered and acknowledged",
        f"gateway killed (SIGKILL); offline the game played on: {offline_pending} events "
        "waited in the outbox",
        f"gateway restarted: welcomes {metrics.connects}, reconnects {metrics.reconnects}, "
        f"frames resent {metrics.frames_resent}, game-thread cost per frame max "
        f"{metrics.frame_cost_max_s * 1e6:.0f} us",
        f"events produced {produced}, delivered {delivered}, "
        f"duplicates applied {applied - delivered}, lost {produced - delivered}",
        f"problems: {len(problems)}",
    ]
