"""The demo's sync step: a real gateway process, the shipped NPCs online, the gateway
killed, the game offline, the gateway back: every event the game produced is delivered,
none applied twice, none lost."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from engine_bridge.tooling.demo.steps import sync


def test_online_killed_offline_back_every_event_delivered_once(tmp_path: Path) -> None:
    lines = sync.run(tmp_path)
    gateway, online, offline, restarted, counts, problems = lines
    assert gateway.startswith("gateway: tcp://127.0.0.1:")
    assert int(re.search(r"online: (\d+) events", online)[1]) > 0  # type: ignore[index]
    assert int(re.search(r"(\d+) events waited", offline)[1]) > 0  # type: ignore[index]
    assert "frames resent" in restarted
    found = re.fullmatch(
        r"events produced (\d+), delivered (\d+), duplicates applied (\d+), lost (\d+)", counts
    )
    assert found is not None, counts
    produced, delivered, duplicates, lost = map(int, found.groups())
    assert produced == delivered > 0
    assert (duplicates, lost) == (0, 0)
    assert problems == "problems: 0"
    # What the gateway's database holds, read directly: one stream, every seq once.
    conn = sqlite3.connect(tmp_path / "sync" / "gateway.db")
    try:
        rows = conn.execute("SELECT count(*), count(DISTINCT seq), max(seq) FROM events")
        assert rows.fetchone() == (produced, produced, produced)
        (applied,) = conn.execute("SELECT sum(count) FROM effects").fetchone()
        assert applied == produced
    finally:
        conn.close()


def test_the_step_runs_again_over_its_own_files(tmp_path: Path) -> None:
    """``make demo`` twice in one checkout: the second run starts from nothing (new keys,
    a new gateway database, a new profile), so its counts are its own."""
    sync.run(tmp_path)
    *_, counts, problems = sync.run(tmp_path)
    assert counts.endswith("duplicates applied 0, lost 0")
    assert problems == "problems: 0"
