"""Sync through the real headless engine: ``aicore host --sync ENDPOINT --sync-keys DIR``
reaches the runtime through the C ABI's config, the profile's outbox goes to the gateway
(the test peer, on loopback) while the host runs its frames, and leaves the outbox once
held; sync that cannot start is a problem in the host's report, and the run goes on.

Nothing waits on the clock for a verdict: the host runs until the gateway holds the
events (polled), then gets Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import time
from pathlib import Path

from cli_runner import run_aicore
from sync_test_gateway import Keys, TestGateway

from engine_bridge.store import Store
from engine_bridge.tooling.cli.commands import host

GIVE_UP_S = 300.0  # a hang guard only


def _seed_outbox(save_dir: Path, count: int) -> str:
    with Store.open(save_dir, "default") as store:
        for n in range(count):
            store.outbox.append("event.custom", {"type": "custom", "name": f"before-{n}"})
        return store.sync_stream.id


def test_the_host_sends_the_outbox_to_the_gateway_and_it_empties(
    gateway: TestGateway, keys: Keys, clean_env: dict[str, str], tmp_path: Path
) -> None:
    save_dir = tmp_path / "save"
    stream_id = _seed_outbox(save_dir, 25)
    client = f"player1/{stream_id}"
    parser = argparse.ArgumentParser()
    host.add_arguments(parser)
    args = parser.parse_args(
        ["--save", str(save_dir), "--sync", gateway.endpoint, "--sync-keys", str(keys.game_dir),
         "--frames", "10000000", "--npcs", "4", "--quiet"]
    )  # fmt: skip
    with subprocess.Popen(
        host.host_command(args),
        env=clean_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            deadline = time.monotonic() + GIVE_UP_S
            while gateway.acked(client) < 25:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the gateway never got the outbox"
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)  # stops at the next frame, as Ctrl-C does
            out, err = process.communicate(timeout=GIVE_UP_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=60)
    assert process.returncode == 130, out + err  # stopped by Ctrl-C, as a shell reports it
    with gateway.lock:
        names = [body["name"] for _, _, body in gateway.stored[client]]
    assert names == [f"before-{n}" for n in range(25)]
    with Store.open(save_dir, "default") as store:
        assert store.outbox.pending() == []  # held by the gateway: deleted on the way out


def test_sync_that_cannot_start_is_in_the_report_and_the_run_goes_on(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "no_keys"
    empty.mkdir()
    report = tmp_path / "report.json"
    out = run_aicore(
        venv_bin, clean_env, "host", "--npcs", "4", "--frames", "10", "--quiet",
        "--save", str(tmp_path / "save"), "--sync", "tcp://127.0.0.1:9",
        "--sync-keys", str(empty), "--report", str(report),
        cwd=tmp_path, timeout=GIVE_UP_S,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    problems = json.loads(report.read_text())["content_errors"]
    (sync,) = [p for p in problems if p["system"] == "sync"]
    assert sync["file"] == str(empty)
    assert "needs exactly one <name>.key_secret" in sync["reason"]

    refused = run_aicore(
        venv_bin, clean_env, "host", "--frames", "1", "--sync", "tcp://127.0.0.1:9",
        cwd=tmp_path, timeout=GIVE_UP_S,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--sync needs --save DIR and --sync-keys DIR" in refused.stderr
