"""Saves through the real headless engine: ``aicore host --save DIR --save-every S``
autosaves through the C ABI, ``--load SLOT`` starts from a save (or stops, naming why and
what can be loaded), and ``aicore-host`` killed with SIGKILL in the middle of a run leaves
a last completed save that loads and verifies.

Nothing here waits on the clock for a verdict: the kill comes once an autosave file is on
disk (the filesystem is polled), plus a random share of the following autosaves, so each
round cuts the run at a different moment of its writes."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cli_runner import run_aicore

from engine_bridge.tooling.cli.commands import host

ROUNDS = 3
# A hang guard only: a healthy run passes each wait as soon as the file appears.
GIVE_UP_S = 600.0


def _autosave(save_dir: Path) -> Path:
    return save_dir / "default" / "slots" / "autosave.db"


def _host(
    venv_bin: Path, env: dict[str, str], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_aicore(venv_bin, env, "host", "--npcs", "8", "--quiet", *args, cwd=cwd, timeout=600)


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's inode and change time: a save renamed over the slot changes both."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_ctime_ns


def _wait_for_new_autosave(
    path: Path, host_process: subprocess.Popen[bytes], seen: object
) -> object:
    """Poll until the autosave file is there and differs from ``seen``; its identity."""
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        current = _identity(path)
        if current is not None and current != seen:
            return current
        if host_process.poll() is not None:
            pytest.fail(f"aicore-host ended (exit {host_process.returncode}) before autosaving")
        time.sleep(0.005)
    pytest.fail(f"no autosave at {path} within {GIVE_UP_S} s")


def test_save_every_writes_an_autosave_that_the_report_lists(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    save_dir = tmp_path / "save"
    report_path = tmp_path / "report.json"
    # 120 frames at 60 Hz: two seconds of game time, so at least three autosaves are due.
    out = _host(
        venv_bin, clean_env, tmp_path,
        "--save", str(save_dir), "--save-every", "0.5", "--frames", "120",
        "--report", str(report_path),
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    # The host's exit waits for the autosave in flight, so the file is there now (the
    # report, made before that wait, lists only what was finished by the last frame).
    assert _autosave(save_dir).is_file()
    saves = json.loads(report_path.read_text())["saves"]
    assert saves["dir"] == str(save_dir)
    assert saves["error"] is None
    assert all(f["problem"] is None for f in saves["files"])
    assert "saves in" in out.stdout

    loaded = _host(
        venv_bin, clean_env, tmp_path,
        "--save", str(save_dir), "--load", "autosave", "--frames", "10",
        "--report", str(report_path),
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    saves = json.loads(report_path.read_text())["saves"]
    assert saves["loaded"] == "autosave"
    listed = [f for f in saves["files"] if f["slot"] == "autosave" and not f["previous"]]
    assert len(listed) == 1
    assert listed[0]["problem"] is None
    assert listed[0]["saved_at"] > 1e9


def test_save_to_saves_after_the_last_frame_and_the_slot_loads(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    # aicore_save, the call the UE5 plugin's Save makes (tests/test_ue5_plugin_abi.py).
    save_dir = tmp_path / "save"
    saved = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--save-to", "chapter_1",
        "--frames", "10",
    )  # fmt: skip
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert (save_dir / "default" / "slots" / "chapter_1.db").is_file()
    loaded = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--load", "chapter_1",
        "--frames", "1",
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    refused = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--save-to", "../x",
        "--frames", "1",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "--save-to ../x" in refused.stderr


def test_a_load_that_fails_stops_the_run_naming_why_and_what_can_be_loaded(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    save_dir = tmp_path / "save"
    made = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--save-every", "0.1",
        "--frames", "30",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    missing = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--load", "chapter_9",
        "--frames", "10",
    )  # fmt: skip
    assert missing.returncode == 1
    assert "chapter_9" in missing.stderr
    assert "not found" in missing.stderr
    assert "saves that can be loaded: autosave" in missing.stderr

    _autosave(save_dir).write_bytes(_autosave(save_dir).read_bytes()[:512])
    damaged = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--load", "autosave",
        "--frames", "10",
    )  # fmt: skip
    assert damaged.returncode == 1
    assert "autosave.db" in damaged.stderr
    assert "damaged" in damaged.stderr  # aicore_result_string(AICORE_CORRUPT)

    bad = _host(
        venv_bin, clean_env, tmp_path, "--save", str(save_dir), "--load", "../x", "--frames", "1"
    )
    assert bad.returncode == 1
    assert "invalid argument" in bad.stderr
    assert "../x" in bad.stderr


def test_the_last_completed_save_loads_after_aicore_host_is_killed_mid_run(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    parser = argparse.ArgumentParser()
    host.add_arguments(parser)
    chance = random.Random()
    for round_ in range(ROUNDS):
        save_dir = tmp_path / f"round{round_}"
        # The binary itself, exactly as `aicore host` starts it: the kill lands on it.
        args = parser.parse_args(
            ["--save", str(save_dir), "--save-every", "0.2", "--frames", "10000000",
             "--npcs", "8", "--quiet"]
        )  # fmt: skip
        with subprocess.Popen(
            host.host_command(args),
            env=clean_env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ) as process:
            try:
                seen = _wait_for_new_autosave(_autosave(save_dir), process, None)
                # A random number of further autosaves, so the kill falls anywhere in the
                # cycle of writes: between saves, mid-save, mid-rename.
                for _ in range(chance.randrange(0, 4)):
                    seen = _wait_for_new_autosave(_autosave(save_dir), process, seen)
                for _ in range(chance.randrange(0, 200)):  # and a random share of the next
                    if _identity(_autosave(save_dir)) != seen:
                        break
                    os.sched_yield()
                os.kill(process.pid, signal.SIGKILL)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL

        loaded = _host(
            venv_bin, clean_env, tmp_path,
            "--save", str(save_dir), "--load", "autosave", "--frames", "10",
        )  # fmt: skip
        assert loaded.returncode == 0, f"round {round_}: {loaded.stdout}{loaded.stderr}"
        verified = run_aicore(venv_bin, clean_env, "saves", "verify", "--save-dir", str(save_dir))
        assert verified.returncode == 0, f"round {round_}: {verified.stdout}{verified.stderr}"
