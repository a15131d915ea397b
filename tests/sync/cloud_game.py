"""What the cloud save and content fetch tests share: a game's keys folder for the real
gateway's key ``alice``, a runtime with a sync client and an NPC that remembers, run
frame by frame until something happens, and a look at the gateway's saves as ``alice``."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from content_files import write_scripts
from gw_client import curve_client, only
from gw_process import Gateway, Keys
from sync_game import FAST

from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.world import World
from engine_bridge.sync.config import SyncConfig

# Requests time out quickly (a gateway that is down is found out within a test: loopback
# moves a file in milliseconds); content is asked for at each connection only.
FILES_FAST = dataclasses.replace(
    FAST,
    request_timeout_s=2.0,
    transfer_bytes_per_s=64 * 1024 * 1024,
    content_fetch_every_s=3600.0,
)
TIMEOUT_S = 30.0

COUNTER = """
from engine_bridge.api import Npc


class Counter(Npc):
    kind = "counter"
    decision_rate = 60.0  # on_tick every frame

    def on_tick(self, dt: float) -> None:
        self.remember("ticks", int(self.recall("ticks", 0)) + 1)
        self.remember("where", ("crypt", [1, 2], {"deep": True}))
"""


def game_keys(gateway_keys: Keys, folder: Path) -> Path:
    """A game's keys folder: the gateway's public key and alice's pair, nothing else."""
    folder.mkdir(parents=True)
    shutil.copy(gateway_keys.folder / "gateway.key", folder / "gateway.key")
    shutil.copy(gateway_keys.client_folder / "alice.key_secret", folder / "alice.key_secret")
    return folder


def scripts(folder: Path) -> Path:
    return write_scripts(folder, counter=COUNTER)


def start(
    save_dir: Path,
    script_dir: Path,
    endpoint: str,
    keys_dir: Path,
    autosave_every_s: float | None = None,
) -> Runtime:
    """A runtime of the Counter script with cloud sync to ``endpoint``."""
    return Runtime(
        World.allocate(8),
        script_dirs=[script_dir],
        save_dir=save_dir,
        watch=False,
        manage_gc=False,
        sync=SyncConfig(endpoint, keys_dir=keys_dir, tuning=FILES_FAST),
        autosave_every_s=autosave_every_s,
    )


def play_until(runtime: Runtime, condition: Callable[[], bool], what: str) -> None:
    """Run frames until ``condition()``; fail after :data:`TIMEOUT_S`."""
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, (
            f"waited {TIMEOUT_S:g} s for {what}: {runtime.sync_metrics}"
        )
        runtime.tick(FRAME_SECONDS, b"")
        time.sleep(0.005)


def online(runtime: Runtime) -> bool:
    metrics = runtime.sync_metrics
    return metrics is not None and metrics.state == "online"


def uploaded(runtime: Runtime, count: int) -> Callable[[], bool]:
    def done() -> bool:
        metrics = runtime.sync_metrics
        return metrics is not None and metrics.saves_uploaded >= count

    return done


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cloud_saves(gateway: Gateway, keys: Keys, key: str = "alice") -> list[dict[str, object]]:
    """``save.list`` as ``key``, newest first."""
    with curve_client(gateway.endpoint, keys.server_public, keys.clients[key]) as client:
        listing = only(client.control("save.list", {}), "save.listing")
    saves = listing.body["saves"]
    assert isinstance(saves, list)
    return saves
