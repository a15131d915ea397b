"""Nothing committed is lost: a writer process is killed with SIGKILL at random moments
during heavy writes, round after round, and every transaction it reported committed is
there, the database passes ``PRAGMA integrity_check``, and the last save it reported
loads. The moments are counted in lines the process printed, not in seconds, so a slow
machine changes nothing but the run time."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from engine_bridge.store.encoding import decode

HERE = Path(__file__).resolve().parent
ROUNDS = 24


def _check_live(live: Path, committed: int) -> None:
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        count, top = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM outbox").fetchone()
        assert top >= committed, f"seq {committed} was reported committed; the outbox ends at {top}"
        assert count == top, "the outbox has a hole"
        (stored,) = conn.execute(
            "SELECT memory FROM npc_memory WHERE slot = ?", (committed % 100,)
        ).fetchone()
        assert decode(stored)["last"] >= committed  # type: ignore[index, operator]
    finally:
        conn.close()


def _check_save(slot: Path, saved: int) -> None:
    conn = sqlite3.connect(f"{slot.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (stored,) = conn.execute(
            "SELECT memory FROM npc_memory WHERE slot = ?", (saved % 100,)
        ).fetchone()
        assert decode(stored)["last"] >= saved  # type: ignore[index, operator]
    finally:
        conn.close()


@pytest.mark.slow
def test_every_commit_a_killed_writer_reported_survives_and_the_database_is_sound(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    root = tmp_path / "saves"
    live = root / "p" / "live.db"
    committed = saved = 0
    kills_after_save = 0
    for round_ in range(ROUNDS):
        process = subprocess.Popen(
            [sys.executable, str(HERE / "durable_writer_process.py"), str(root), "p"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env,
        )
        assert process.stdout is not None
        lines_before_kill = chance.randint(1, 120)
        try:
            for _ in range(lines_before_kill):
                line = process.stdout.readline()
                if not line:
                    _, err = process.communicate(timeout=60)
                    pytest.fail(f"round {round_} (seed {seed}): the writer died:\n{err}")
                what, seq = line.split()
                if what == "committed":
                    committed = max(committed, int(seq))
                else:
                    saved = max(saved, int(seq))
                    kills_after_save += 1
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        _check_live(live, committed)
        if saved:
            _check_save(root / "p" / "slots" / "auto.db", saved)
    assert committed > 0
    assert kills_after_save > 0, f"seed {seed}: no round got as far as a save"
