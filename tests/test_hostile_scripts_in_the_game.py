"""Hostile scripts through the real engine path (`aicore host`, the C ABI, the C++
watchdog) beside a healthy kind: the game starts, reaches every frame and exits 0; the
healthy NPCs keep acting; the faulty script is reported at its own file:line."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from cli_runner import host_outputs, run_aicore
from content_files import write_scripts
from test_hostile_scripts import CASES as HOSTILE_CASES

HEALTHY = """
from engine_bridge.api import Npc


class Good(Npc):
    kind = "good"
    decision_rate = 60.0

    def on_tick(self, dt):
        self.emote("wave")
"""

PROBES = {
    # A loop at a script's module level: the engine's runtime_create never returned.
    "loops_at_import": """
        while True:
            pass
    """,
    # A loop in on_spawn: aicore_npc_spawn never returned.
    "loops_in_on_spawn": """
        from engine_bridge.api import Npc

        class Probe(Npc):
            kind = "probe"

            def on_spawn(self):
                while True:
                    pass
    """,
    # A slow handler whose first say() used to start the clip worker thread inside the
    # handler's budget: the interrupt hit the unstarted thread and Thread.start() hung.
    "slow_then_first_say": """
        from engine_bridge.api import Npc

        class Probe(Npc):
            kind = "probe"
            archetype = "ghoul"
            decision_rate = 60.0

            def on_tick(self, dt):
                try:
                    while True:  # past its budget: interrupted...
                        pass
                except BaseException:
                    pass
                self.say("ghoul_hunger")  # ...then its first line
    """,
    # A RecursionError: formatting its traceback once outlasted the frame watchdog and the
    # log said only "ScriptTimeoutError <EMPTY MESSAGE>".
    "recursion": """
        from engine_bridge.api import Npc

        class Probe(Npc):
            kind = "probe"
            decision_rate = 60.0

            def on_tick(self, dt):
                def down(n):
                    return down(n + 1)
                down(0)
    """,
}

# The sandbox's reproducers that also broke the engine, run here through it unchanged: an
# exception whose __str__ has a typo (the guard raised and every frame was lost: a healthy
# kind beside it produced 0 of 240 commands), a handler that swallows its interrupt, an
# echo storm of tells and self-doubling timers (frames of 40-330 ms, memory growing).
PROBES.update(
    {
        name: HOSTILE_CASES[name]
        for name in ("str_raises", "swallows_the_interrupt", "tell_storm", "timers_double")
    }
)

FRAMES = 60


def _host(
    venv_bin: Path, env: dict[str, str], tmp_path: Path, kinds: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]], dict[str, object]]:
    out = run_aicore(
        venv_bin,
        env,
        "host",
        "--npcs",
        "4",
        "--frames",
        str(FRAMES),
        "--scripts",
        str(tmp_path / "scripts"),
        "--kinds",
        kinds,
        *host_outputs(tmp_path),
        cwd=tmp_path,
        timeout=300,
    )
    trace_file = tmp_path / "trace.jsonl"
    lines = (
        [json.loads(x) for x in trace_file.read_text().splitlines()] if trace_file.exists() else []
    )
    report_file = tmp_path / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return out, lines, report


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_a_hostile_script_in_the_game_beside_a_healthy_one(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, probe: str
) -> None:
    scripts = write_scripts(tmp_path / "scripts", good=HEALTHY)
    header = "from engine_bridge.api import Npc\n\n"  # the sandbox's cases leave it out
    (scripts / "probe.py").write_text(header + textwrap.dedent(PROBES[probe]))
    # A script that never finishes loading defines no kind: the game starts without it.
    kinds = "good" if probe == "loops_at_import" else "good,probe"
    out, lines, report = _host(venv_bin, clean_env, tmp_path, kinds)
    assert out.returncode == 0, out.stdout + out.stderr
    assert report["frames"] == FRAMES
    healthy_slots = {0, 2} if kinds == "good,probe" else {0, 1, 2, 3}
    for slot in healthy_slots:
        waves = [x["frame"] for x in lines if x["type"] == "emote" and x["npc"] == slot]
        # Every healthy NPC keeps acting to the end. The frame budget is wall time, so on a
        # busy machine a frame over it moves turns to the next frame: how many of the 60
        # frames an NPC acts in depends on the machine, and only a floor a starved NPC
        # could not reach is asserted (one turn in four frames; ~every frame when quiet).
        assert len(waves) >= FRAMES // 4, (slot, waves)
        assert max(waves) >= FRAMES - 3, (slot, waves)
    assert "<EMPTY MESSAGE>" not in out.stdout + out.stderr
    if probe == "slow_then_first_say":  # it caught its interrupt: no failure, and it spoke
        said = [x for x in lines if x["type"] == "say" and x["kind"] == "probe"]
        assert len(said) >= FRAMES // 4  # a floor, as for the healthy NPCs' turns
        return
    if probe == "tell_storm":
        # Bounded (at most 65 536 messages in flight; the sandbox test shows the refusal):
        # how soon it reaches the bound depends on how many messages a frame's budget
        # delivers, so here only the game going on is asserted.
        return
    assert f"{scripts / 'probe.py'}:" in out.stdout + out.stderr  # its own file:line
