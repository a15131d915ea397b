"""The light aicore-host writes reaches the NPC decision models: the real host process, the
real runtime and the shipped ``npc_action`` model, judged by the advice its NPCs act on in
the command trace. People wander by day and stay put at night (docs/models.md, "The expert
policy"), so the same world at noon and at midnight must be advised differently; before the
host wrote the light channel, every hour was pitch dark to the models."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from cli_runner import host_outputs, run_aicore
from content_files import write

from engine_bridge.tooling.cli import build_parser
from engine_bridge.tooling.cli.commands import host

# A person the models advise each frame; it shows the advice as an emote, so the trace
# (what the runtime gave the engine) carries it out of the process.
ADVICE_SHOWN = '''
from engine_bridge.api import Npc


class Lightwatcher(Npc):
    """A person who only shows what npc_action advises."""

    kind = "lightwatcher"
    archetype = "human"
    decision_rate = 10.0
    model = "npc_action"

    def on_tick(self, dt: float) -> None:
        if self.decision is not None:
            self.emote("advised_" + self.decision.action)
'''


def _advice(
    venv_bin: Path, env: dict[str, str], folder: Path, scripts: Path, hour: str
) -> Counter[str]:
    folder.mkdir()
    out = run_aicore(
        venv_bin,
        env,
        "host",
        "--npcs",
        "6",
        "--frames",
        "40",
        "--seed",
        "11",
        "--kinds",
        "lightwatcher",
        "--scripts",
        str(scripts),
        "--time-of-day",
        hour,
        "--quiet",
        *host_outputs(folder),
        cwd=folder,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((folder / "report.json").read_text())
    assert report["script_errors"] == 0
    lines = [json.loads(line) for line in (folder / "trace.jsonl").read_text().splitlines()]
    return Counter(
        line["emote"].removeprefix("advised_")
        for line in lines
        if line["type"] == "emote" and line["emote"].startswith("advised_")
    )


def test_the_models_see_the_hosts_daylight_people_wander_at_noon_and_idle_at_midnight(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    scripts = tmp_path / "scripts"
    write(scripts, "lightwatcher.py", ADVICE_SHOWN)
    noon = _advice(venv_bin, clean_env, tmp_path / "noon", scripts, "12")
    midnight = _advice(venv_bin, clean_env, tmp_path / "midnight", scripts, "0")
    assert noon.total() >= 6, noon  # every NPC was advised
    assert midnight.total() >= 6, midnight
    # Nobody is hurt and the player is rarely close: the light decides.
    assert noon["wander"] > noon.total() / 2, noon
    assert midnight["wander"] < midnight.total() / 4, midnight
    assert midnight["idle"] > midnight.total() / 2, midnight


def test_aicore_host_passes_the_day_to_the_host_and_refuses_an_hour_past_24() -> None:
    args = build_parser().parse_args(["host", "--day-length", "90", "--time-of-day", "6.5"])
    cmd = host.host_command(args)
    assert cmd[cmd.index("--day-length") + 1] == "90.0"
    assert cmd[cmd.index("--time-of-day") + 1] == "6.5"
    assert "--day-length" not in host.host_command(build_parser().parse_args(["host"]))
    for bad in (["--time-of-day", "24"], ["--time-of-day", "dusk"], ["--day-length", "0"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["host", *bad])
