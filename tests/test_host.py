"""`aicore host` and `aicore-host` as a user runs them: subprocesses of the installed
environment driving the real runtime through the C ABI, judged by the JSON report and the
WAV they write."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import soundfile
from cli_runner import host_outputs, run
from new_kind_project import lamplighter_project

from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.tooling.cli import build_parser
from engine_bridge.tooling.cli.commands import host

SAMPLE_RATE = 48000
BLOCK = 512
TIMINGS = ("frame_ms", "bridge_us", "gc_us", "sim_us", "audio_block_us")
COUNTS = (
    "script_errors",
    "rejected_messages",
    "events_in",
    "commands_out",
    "commands_rejected",
    "audio_blocks",
)
COMMAND_TYPES = {"move_to", "flee", "attack", "say", "emote", "despawn"}


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(cmd, env, cwd, timeout=300)


def _value(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def _check_report(report: dict[str, Any], frames: int, npcs: int) -> None:
    assert report["frames"] == frames
    assert report["npcs"] == npcs
    assert report["seconds_simulated"] == pytest.approx(frames / FRAME_RATE)
    assert report["wall_seconds"] > 0
    for name in TIMINGS:
        t = report[name]
        assert set(t) >= {"mean", "p50", "p99", "max"}, name
        assert 0 <= t["p50"] <= t["p99"] <= t["max"], (name, t)
        assert 0 <= t["mean"] <= t["max"], (name, t)
    assert report["frame_ms"]["count"] == frames
    assert report["gc_us"]["count"] == frames
    for name in COUNTS:
        assert isinstance(report[name], int), name
        assert report[name] >= 0, name
    assert set(report["commands_applied"]) == COMMAND_TYPES
    # The world sim raised events and the runtime took every one of them.
    assert report["events_in"] == sum(report["events_sent"].values())
    assert report["rejected_messages"] == 0


def test_aicore_host_runs_the_frames_and_npcs_asked_and_writes_report_and_wav(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    frames, npcs = 150, 24
    out = _run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            str(npcs),
            "--frames",
            str(frames),
            "--seed",
            "3",
            "--report",
            str(tmp_path / "report.json"),
            "--wav",
            str(tmp_path / "mix.wav"),
            "--save",
            str(tmp_path / "save"),
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "frame (aicore_tick)" in out.stdout
    assert "bridge crossing" in out.stdout
    assert "garbage collection" in out.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    _check_report(report, frames, npcs)
    # Every content system is on in the game, the lore index built in the profile's store.
    assert report["systems_off"] == []
    assert report["content_errors"] == []
    assert _lore_entries(tmp_path / "save") > 0

    info = soundfile.info(str(tmp_path / "mix.wav"))
    assert info.samplerate == SAMPLE_RATE
    assert info.channels == 2
    assert info.subtype == "FLOAT"
    expected = frames / FRAME_RATE * SAMPLE_RATE
    assert expected <= info.frames < expected + BLOCK
    assert info.frames == report["audio_blocks"] * BLOCK


def test_a_new_kind_with_its_own_content_root_runs_in_the_game(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    """A kind the engine never heard of, its dialogue table, lore and story in a project
    content root layered over the shipped one, through aicore host and the C ABI."""
    scripts, content = lamplighter_project(tmp_path)
    broken = content / "dialogue" / "lamplighter_apprentice.toml"
    broken.write_text('[[line]]\nid = "x"\ntopic = "greeting"\n', encoding="utf-8")
    npcs = 3
    out = _run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            str(npcs),
            "--frames",
            "30",
            "--kinds",
            "lamplighter",
            "--scripts",
            str(scripts),
            "--content",
            str(repo / "content"),
            "--content",
            str(content),
            "--save",
            str(tmp_path / "save"),
            "--report",
            str(tmp_path / "report.json"),
            "--quiet",
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["script_errors"] == 0, out.stderr
    applied = report["commands_applied"]
    # Each lamplighter found its own lore (emote), completed the project's story beat or
    # saw it complete (move_to) and said the line of its table that needs the story's flag.
    assert applied["emote"] == npcs, out.stderr
    assert applied["move_to"] == npcs, out.stderr
    assert applied["say"] == npcs, out.stderr
    assert report["systems_off"] == []
    # The broken table is left out alone, named by file and field, and said once.
    [error] = report["content_errors"]
    assert error["system"] == "dialogue"
    assert Path(error["file"]) == broken.resolve()
    assert error["field"] == "text"
    assert out.stderr.count(str(broken.resolve())) == 1
    assert _lore_entries(tmp_path / "save") > 0


def test_the_report_names_each_system_that_is_off_and_why(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "content"
    empty.mkdir()
    out = _run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            "2",
            "--frames",
            "5",
            "--content",
            str(empty),
            "--save",
            str(tmp_path / "save"),
            "--report",
            str(tmp_path / "report.json"),
            "--quiet",
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    off = {entry["system"]: entry["reason"] for entry in report["systems_off"]}
    assert set(off) == {"voice_lines", "dialogue", "story", "knowledge"}
    assert all(off.values())
    assert "lore" in off["knowledge"]
    assert "system off: knowledge" in out.stdout
    for name in off:  # logged once each, as the runtime started
        assert out.stderr.count(f"{name} is off") == 1, out.stderr


def test_aicore_host_binary_takes_python_from_the_environment_variables(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    env = dict(clean_env, AICORE_PYTHON_HOME=sys.base_prefix, AICORE_VENV=sys.prefix)
    out = _run(
        [
            str(venv_bin / "aicore-host"),
            "--npcs",
            "5",
            "--frames",
            "60",
            "--content",
            str(repo / "content"),
            "--save",
            str(tmp_path / "save"),
            "--scripts",
            str(repo / "npc_scripts"),
            "--report",
            str(tmp_path / "report.json"),
            "--quiet",
        ],
        env,
        tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    _check_report(report, 60, 5)
    # No --wav: the mix is still rendered (and timed) for the simulated second.
    assert report["audio_blocks"] == -(-SAMPLE_RATE // BLOCK)
    assert report["wav"] is None


def test_a_runtime_that_cannot_start_exits_1_and_says_why(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = _run(
        [
            str(venv_bin / "aicore-host"),
            "--npcs",
            "1",
            "--frames",
            "1",
            "--python-home",
            str(tmp_path / "no-python-here"),
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    prefix = "aicore-host: cannot create the runtime: "
    reason = next(line for line in out.stderr.splitlines() if line.startswith(prefix))
    assert reason.removeprefix(prefix).strip(), "the reason is empty"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--npcs", "0"], "--npcs"),
        (["--frames", "many"], "--frames"),
        (["--debug", "70000"], "--debug"),
        (["--play", "--wav", "x.wav"], "--play"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_usage_errors_exit_2_naming_the_option(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, args: list[str], option: str
) -> None:
    out = _run([str(venv_bin / "aicore-host"), *args], clean_env, tmp_path)
    assert out.returncode == 2
    assert option in out.stderr


def test_aicore_host_reports_a_missing_host_binary(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(clean_env, AICORE_HOST=str(tmp_path / "aicore-host"))
    out = _run([str(venv_bin / "aicore"), "host", "--frames", "1"], env, tmp_path)
    assert out.returncode == 1
    assert "aicore host: " in out.stderr
    assert "not found" in out.stderr


def test_host_command_passes_this_environment_and_the_shipped_content_and_scripts(
    repo: Path,
) -> None:
    from vocal.content import content_root

    args = build_parser().parse_args(
        ["host", "--npcs", "7", "--frames", "9", "--kinds", "vampire,zombie", "--debug", "5678"]
    )
    cmd = host.host_command(args)

    def value(flag: str) -> str:
        return _value(cmd, flag)

    assert value("--npcs") == "7"
    assert value("--frames") == "9"
    assert value("--python-home") == sys.base_prefix
    assert value("--venv") == sys.prefix
    assert Path(value("--content")) == content_root()
    assert Path(value("--scripts")) == repo / "npc_scripts"
    assert value("--save") == "aicore-save"
    assert value("--kinds") == "vampire,zombie"
    assert value("--debug") == "5678"
    assert "--realtime" not in cmd
    assert "--wav" not in cmd
    assert "--trace" not in cmd

    args = build_parser().parse_args(
        [
            "host",
            "--scripts",
            "a",
            "--scripts",
            "b",
            "--realtime",
            "--wav",
            "o.wav",
            "--trace",
            "t.jsonl",
        ]
    )
    cmd = host.host_command(args)
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "--scripts"] == ["a", "b"]
    assert "--realtime" in cmd
    assert _value(cmd, "--wav") == "o.wav"
    assert _value(cmd, "--trace") == "t.jsonl"


# Each mistake is found before the first frame: the host never prints its report, and it
# exits 2 (a usage error) naming the option, not 0 after a run that did nothing, nor 1
# after a whole run (or with "embedded Python could not start").
@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (["--report", "{tmp}/no-such-folder/r.json"], "--report", "cannot be written"),
        (["--trace", "{tmp}/no-such-folder/t.jsonl"], "--trace", "cannot be written"),
        (["--wav", "{tmp}"], "--wav", "is a folder"),
        (["--save", "{tmp}/a-file/save"], "--save", "cannot be created"),
        (["--scripts", "{tmp}/no-such-folder"], "--scripts", "does not exist"),
        (["--content", "{tmp}/no-such-folder"], "--content", "does not exist"),
        (["--content", "{tmp}/a-file"], "--content", "is not a folder"),
        (
            ["--kinds", "townsfolk,townsflok"],
            "--kinds",
            "defines kind 'townsflok' (defined: aethelred, ghoul, ",
        ),
    ],
)
def test_a_mistake_on_the_command_line_stops_the_host_before_any_frame(
    venv_bin: Path,
    clean_env: dict[str, str],
    tmp_path: Path,
    args: list[str],
    option: str,
    reason: str,
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    args = [a.format(tmp=tmp_path) for a in args]
    out = _run(
        [str(venv_bin / "aicore"), "host", "--npcs", "3", "--frames", "600", *args],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"aicore-host: {option}" in out.stderr
    assert reason in out.stderr
    assert "could not start" not in out.stderr
    assert "frames," not in out.stdout  # the run's report: no frame ran


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return

    # Root ignores permission bits: a read-only bind mount is a folder it cannot write.
    def mount(*args: str) -> bool:
        done = subprocess.run(["mount", *args], capture_output=True, check=False)
        return done.returncode == 0

    if not mount("--bind", str(folder), str(folder)):
        pytest.skip("root, and no bind mount here to make a read-only folder with")
    try:
        if not mount("-o", "remount,bind,ro", str(folder)):
            pytest.skip("root, and no read-only remount here")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def test_a_read_only_save_folder_is_a_usage_error_not_a_python_failure(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, read_only_folder: Path
) -> None:
    out = _run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            "1",
            "--frames",
            "1",
            "--save",
            str(read_only_folder),
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"aicore-host: --save {read_only_folder}: cannot be written" in out.stderr
    assert "could not start" not in out.stderr


def test_the_trace_says_which_npc_of_which_kind_did_and_said_what(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    from engine_bridge.core.scheduler import classes_in
    from engine_bridge.scripting.script_host import ScriptHost

    frames, npcs = 600, 120
    kinds = ["zombie", "vampire", "ghoul", "wraith", "werewolf", "townsfolk"]
    out = _run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            str(npcs),
            "--frames",
            str(frames),
            "--kinds",
            ",".join(kinds),
            *host_outputs(tmp_path),
            "--quiet",
        ],
        clean_env,
        tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    lines = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    # One line per command the runtime gave, in frame order.
    assert len(lines) == report["commands_out"]
    assert [line["frame"] for line in lines] == sorted(line["frame"] for line in lines)

    scripts = ScriptHost([repo / "npc_scripts"])
    scripts.load_all()
    archetypes = {
        cls.kind: cls.archetype for module in scripts.modules.values() for cls in classes_in(module)
    }
    for line in lines:
        assert list(line)[:5] == ["frame", "time_s", "npc", "kind", "type"], line
        assert 0 <= line["frame"] < frames
        assert line["time_s"] == pytest.approx(line["frame"] / FRAME_RATE)
        assert 0 <= line["npc"] < npcs
        # The host spawns the kinds round-robin into slots 0, 1, 2...
        assert line["kind"] == kinds[line["npc"] % len(kinds)], line
        assert line["type"] in COMMAND_TYPES
    said = [line for line in lines if line["type"] == "say"]
    assert said, "no NPC said anything in ten seconds"
    assert len(said) == report["commands_applied"]["say"]
    for line in said:
        assert isinstance(line["text"], str), line
        assert line["text"], line
        if archetypes[line["kind"]]:
            assert line["archetype"] == archetypes[line["kind"]], line
        else:
            assert "archetype" not in line, line

    # The lines docs/protocol.md shows are lines the host writes.
    doc = (repo / "docs" / "protocol.md").read_text()
    section = doc.split("## The command trace", 1)[1].split("\n## ", 1)[0]
    examples = [
        json.loads(line)
        for block in re.findall(r"```json\n(.*?)```", section, re.S)
        for line in block.splitlines()
    ]
    assert examples
    for example in examples:
        assert list(example)[:5] == ["frame", "time_s", "npc", "kind", "type"], example
        assert any(set(line) == set(example) for line in lines), example


def _lore_entries(save_dir: Path) -> int:
    """How many lore entries the index in the default profile's live database holds."""
    conn = sqlite3.connect(f"{(save_dir / 'default' / 'live.db').as_uri()}?mode=ro", uri=True)
    try:
        (count,) = conn.execute("SELECT count(*) FROM lore_entry").fetchone()
    finally:
        conn.close()
    return int(count)
