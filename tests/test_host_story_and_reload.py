"""``aicore host --story-flag NAME`` and ``--reload-at FRAME``: the host reads story flags
through ``aicore_story_flag_get`` after the last frame and reloads the scripts through
``aicore_scripts_reload`` between two frames, as the UE5 plugin's ``GetStoryFlag`` and
``aicore.reload`` do (tests/test_ue5_plugin_abi.py requires the host to make every call
the plugin makes). What each call does is tested in tests/test_story_flag_abi.py and the
C suite; this runs the real host process."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from cli_runner import run

from engine_bridge.tooling.cli import build_parser
from engine_bridge.tooling.cli.commands import host


def test_the_host_prints_each_flag_typed_reloads_at_its_frame_and_fails_an_unknown_flag(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out: subprocess.CompletedProcess[str] = run(
        [
            str(venv_bin / "aicore"),
            "host",
            "--npcs",
            "4",
            "--frames",
            "5",
            "--save",
            str(tmp_path / "save"),
            "--reload-at",
            "2",
            "--story-flag",
            "met_broker",
            "--story-flag",
            "lives_owed",
            "--story-flag",
            "wraith_name",
            "--story-flag",
            "no_such_flag",
        ],
        clean_env,
        tmp_path,
        timeout=300,
    )
    # The flag no story declares fails the run (exit 1), after the others were printed.
    assert out.returncode == 1, out.stdout + out.stderr
    assert "aicore-host: frame 2: 0 script(s) reloaded" in out.stdout  # nothing was edited
    assert re.search(r"^story flag met_broker = (true|false) \(bool\)$", out.stdout, re.M)
    assert re.search(r"^story flag lives_owed = -?\d+ \(int\)$", out.stdout, re.M)
    assert re.search(r'^story flag wraith_name = ".*" \(string\)$', out.stdout, re.M)
    assert "story flag no_such_flag: not found: " in out.stdout
    assert "no flag 'no_such_flag'" in out.stdout


def test_aicore_host_passes_the_flags_and_the_reload_frame_on() -> None:
    args = build_parser().parse_args(
        ["host", "--story-flag", "a", "--story-flag", "b", "--reload-at", "30"]
    )
    cmd = host.host_command(args)
    assert cmd[cmd.index("--reload-at") + 1] == "30"
    assert [cmd[i + 1] for i, part in enumerate(cmd) if part == "--story-flag"] == ["a", "b"]
