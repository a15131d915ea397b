"""The gateway as a real process for the tests: ``aicore-gateway`` started on loopback
with a keys folder and a SQLite file in ``tmp_path``, its endpoints read from the JSON
line it prints once listening, its log in a file, always killed at the end."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from engine_bridge.sync.keys import KeyPair, load_key_pair
from engine_bridge.sync.keys_folder import allow_key, new_key_pair

TIMEOUT_S = 30.0
"""How long any test waits for a condition (never a measure of speed)."""
GATEWAY = Path(sys.prefix) / "bin" / "aicore-gateway"


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = TIMEOUT_S) -> None:
    """Return once ``condition()`` holds; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.02)


@dataclass(frozen=True)
class Keys:
    """A gateway's keys folder and the clients' key pairs (``alice`` and ``ops`` allowed,
    ``ops`` the admin; ``mallory`` made but never allowed)."""

    folder: Path
    server_public: Path
    clients: dict[str, KeyPair]
    client_folder: Path
    """Where the clients' pairs are (``NAME.key``, ``NAME.key_secret``)."""


def make_keys(root: Path) -> Keys:
    folder, client_folder = root / "gateway-keys", root / "client-keys"
    new_key_pair("gateway", folder)
    clients = {}
    for name in ("alice", "ops", "mallory"):
        _, secret = new_key_pair(name, client_folder)
        clients[name] = load_key_pair(secret)
        if name != "mallory":
            allow_key(client_folder / f"{name}.key", folder)
    return Keys(folder, folder / "gateway.key", clients, client_folder)


def game_keys_folder(keys: Keys, folder: Path, name: str = "alice") -> Path:
    """A game's keys folder (``SyncConfig.keys_dir``): the gateway's public key and the
    pair of client ``name``, nothing else."""
    folder.mkdir(parents=True)
    shutil.copy(keys.folder / "gateway.key", folder / "gateway.key")
    shutil.copy(keys.client_folder / f"{name}.key_secret", folder / f"{name}.key_secret")
    return folder


def gateway_key_pair(keys: Keys) -> KeyPair:
    """The gateway's own key pair (for a test that stands in for the gateway)."""
    return load_key_pair(keys.folder / "gateway.key_secret")


class Gateway:
    """A running ``aicore-gateway``."""

    def __init__(self, process: subprocess.Popen[str], announced: dict[str, str], log: Path):
        self.process = process
        self.endpoint = announced["bind"]
        self.http = announced["http"]
        self.log = log

    def get(self, path: str) -> tuple[int, str]:
        """GET ``path`` of the HTTP endpoints: status and body."""
        try:
            with urllib.request.urlopen(f"http://{self.http}{path}", timeout=TIMEOUT_S) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of ``/metrics``: (name, sorted labels) -> value."""
        status, text = self.get("/metrics")
        assert status == 200, text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def metric(self, name: str, **labels: str) -> float:
        return self.metrics().get((name, tuple(sorted(labels.items()))), 0.0)

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait(self) -> int:
        return self.process.wait(timeout=TIMEOUT_S)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_gateway(keys: Keys, store_url: str, log: Path, extra: Sequence[str] = ()) -> Gateway:
    """Start a gateway and return once it is listening (or fail with its log)."""
    command = [
        str(GATEWAY),
        "--bind",
        "tcp://127.0.0.1:*",
        "--store",
        store_url,
        "--keys",
        str(keys.folder),
        "--http",
        "127.0.0.1:0",
        "--admin-key",
        "ops",
        *extra,
    ]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    with log.open("ab") as log_file:
        # The log goes to a file: a pipe nobody reads would fill and stall the gateway.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log_file, text=True, env=env
        )
    assert process.stdout is not None
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line:
                return Gateway(process, json.loads(line), log)
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    raise AssertionError(f"the gateway did not start: {log.read_text(errors='replace')}")


@contextmanager
def running_gateway(
    keys: Keys, store_url: str, log: Path, extra: Sequence[str] = ()
) -> Iterator[Gateway]:
    """A gateway for the ``with`` block, killed at its end if still running."""
    gateway = start_gateway(keys, store_url, log, extra)
    try:
        yield gateway
    finally:
        if gateway.process.poll() is None:
            gateway.process.kill()
        gateway.process.wait()
        if gateway.process.stdout is not None:
            gateway.process.stdout.close()
