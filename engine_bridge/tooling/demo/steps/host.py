"""Demo step: the headless engine over the C ABI — the shipped NPC scripts drive a town of
NPCs for ten simulated seconds, the audio thread writes their voices, and the timing report
is printed (frame time, bridge overhead)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine_bridge.native import library as native
from vocal.content import content_root

TITLE = "headless engine with the shipped scripts"
ORDER = 40

_REPO = Path(__file__).resolve().parents[4]


def run(out_dir: Path) -> list[str]:
    folder = out_dir / "host"
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.json"
    command = [
        str(native.host_executable()),
        "--npcs", "300",
        "--frames", "600",
        "--kinds", "zombie,zombie,zombie,townsfolk,vampire,ghoul,wraith,werewolf,aethelred",
        "--python-home", sys.base_prefix,
        "--venv", sys.prefix,
        "--content", str(content_root()),
        "--scripts", str(_REPO / "npc_scripts"),
        "--save", str(folder / "save"),
        "--wav", str(folder / "town.wav"),
        "--report", str(report),
        "--quiet",
        # Paced as a game runs: lines are prepared (loaded, set to their loudness, analysed)
        # on the runtime's loader thread while the game plays; a run twenty times faster
        # than real time would be over before most of them could be heard.
        "--realtime",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"aicore-host exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    data = json.loads(report.read_text())
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    lines.append(f"report: {report}")
    if data.get("script_errors", 0):
        lines.append(f"note: {data['script_errors']} script errors were reported and survived")
    return lines
