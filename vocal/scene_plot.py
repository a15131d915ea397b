"""A picture of a rendered scene: who spoke when (timeline), and where (top-down map)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vocal.extras import import_extra
from vocal.scene import Scene, SceneRender

__all__ = ["plot_scene"]

_COLOURS = {
    "vampire": "#8e1b3a",
    "zombie": "#5b7b2a",
    "werewolf": "#7a4b1e",
    "wraith": "#4a6fa5",
    "ghoul": "#6b4a8a",
}


def plot_scene(scene: Scene, result: SceneRender, path: Path) -> Path:
    """Write a PNG: the mix's waveform, each NPC's speaking span, and their paths."""
    # Plots are a tool: matplotlib comes with the "tools" extra, never with the game.
    figure_module = import_extra("matplotlib.figure", "plotting a scene")
    fig = figure_module.Figure(figsize=(16, 9), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1.7, 1], height_ratios=[1, 1.3])
    wave, lanes, plan = (
        fig.add_subplot(grid[0, 0]),
        fig.add_subplot(grid[1, 0]),
        fig.add_subplot(grid[:, 1]),
    )
    fig.suptitle(
        f"{scene.title}: {len(scene.npcs)} voices through {len(scene.environments)} rooms",
        fontsize=15,
    )

    t = np.arange(len(result.audio)) / result.sample_rate
    step = max(1, len(t) // 8000)
    wave.plot(t[::step], result.audio[::step, 0], lw=0.5, color="#335", label="left")
    wave.plot(t[::step], -result.audio[::step, 1], lw=0.5, color="#a53", label="right (inverted)")
    wave.set_xlim(0, t[-1])
    wave.set_ylabel("amplitude")
    wave.legend(loc="upper right", fontsize=8)
    for at, name in scene.environments:
        for ax in (wave, lanes):
            ax.axvline(at, color="grey", ls="--", lw=1)
        wave.text(
            at + 0.1, 0.9, name, transform=wave.get_xaxis_transform(), fontsize=10, color="grey"
        )

    names = [npc.name for npc in scene.npcs]
    for row, npc in enumerate(scene.npcs):
        events = [e for name, e in result.events if name == npc.name]
        start = next((e.seconds for e in events if e.type == "started"), None)
        end = next((e.seconds for e in events if e.type in ("finished", "stolen")), t[-1])
        colour = _COLOURS.get(npc.archetype, "black")
        if start is not None:
            lanes.barh(row, end - start, left=start, color=colour, alpha=0.85)
            lanes.text(start + 0.1, row, npc.archetype, va="center", color="white", fontsize=9)
        track = result.tracks.get(npc.name, [])
        if track:
            xy = np.array([(x, y) for _, x, y in track])
            plan.plot(xy[:, 0], xy[:, 1], color=colour, lw=2, label=f"{npc.name} ({npc.archetype})")
            plan.scatter(*xy[0], color=colour, s=30)
            plan.annotate(
                "",
                xy=xy[-1],
                xytext=xy[max(0, len(xy) - 8)],
                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2},
            )
    lanes.set_yticks(range(len(names)), names)
    lanes.invert_yaxis()
    lanes.set_xlim(0, t[-1])
    lanes.set_xlabel("time (s)")
    lanes.set_title("who spoke when (started to finished)", fontsize=11)

    lx, ly, _ = scene.listener
    plan.scatter([lx], [ly], marker="^", s=160, color="black", label="listener (facing +y)")
    plan.set_aspect("equal", adjustable="datalim")
    plan.grid(alpha=0.3)
    plan.set_xlabel("x (m, right)")
    plan.set_ylabel("y (m, ahead)")
    plan.set_title("where (top-down, paths while speaking)", fontsize=11)
    plan.legend(loc="lower left", fontsize=8)
    fig.savefig(path)
    return path
