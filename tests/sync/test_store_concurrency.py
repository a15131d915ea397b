"""Two gateway processes append the same client's stream into one store at the same
time, each from the acks it got, in differently sized batches: every seq is stored once
and its effect applied once (SQLite: BEGIN IMMEDIATE serialises them; PostgreSQL: the
stream's row is locked FOR UPDATE)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aicore_gateway.stores import open_store
from store_rows import stored_events

WORKER = Path(__file__).resolve().parent / "store_append_worker.py"
CLIENT = "alice/pc-1"
LAST = 5000
TIMEOUT_S = 120.0


def read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline().strip()
        if proc.poll() is not None:
            break
    stderr = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
    pytest.fail(f"worker {proc.pid} said nothing (exit {proc.poll()}): {stderr}")


@pytest.mark.slow
def test_two_processes_on_one_stream_store_each_seq_once(store_url: str) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), store_url, CLIENT, str(LAST), str(batch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for batch in (100, 37)
    ]
    try:
        deadline = time.monotonic() + TIMEOUT_S
        for worker in workers:
            assert read_line(worker, deadline) == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        summaries = [json.loads(read_line(worker, deadline)) for worker in workers]
        for worker in workers:
            assert worker.wait(timeout=TIMEOUT_S) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            for stream in (worker.stdin, worker.stdout, worker.stderr):
                if stream is not None:
                    stream.close()

    assert sum(s["stored"] for s in summaries) == LAST
    for summary in summaries:
        assert summary["gaps"] == 0  # each resends from an ack it was given
        assert summary["sent"] == summary["stored"] + summary["duplicates"]
    assert [seq for seq, _, _ in stored_events(store_url, CLIENT)] == list(range(1, LAST + 1))
    store = open_store(store_url)
    try:
        assert store.acked_through(CLIENT) == LAST
        assert store.effects(CLIENT) == {"kind.even": LAST // 2, "kind.odd": LAST // 2}
    finally:
        store.close()
