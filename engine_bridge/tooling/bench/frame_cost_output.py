"""The C frame-cost program's report (``cpp/bridge/bench/c_frame_cost.c``) as figures.

It prints two lines a person reads; this reads the same lines::

    aicore_tick, 1000 NPCs, 1200 frames: wall median 1.234 ms p99 2.345 ms; thread CPU
    median 1.100 ms p99 2.000 ms; incomplete ticks 0, script errors 0
    aicore_audio_render, 512-frame block at 48 kHz: thread CPU median 80.1 us p99 120.3 us ...
"""

from __future__ import annotations

import re

from engine_bridge.tooling.bench.pytest_results import Converted
from engine_bridge.tooling.bench.result_set import Figure

__all__ = ["convert_frame_cost"]

_TICK = re.compile(
    r"aicore_tick, (?P<npcs>\d+) NPCs, (?P<frames>\d+) frames: wall median (?P<wall>[\d.]+) ms "
    r"p99 (?P<wall99>[\d.]+) ms; thread CPU median (?P<cpu>[\d.]+) ms p99 (?P<cpu99>[\d.]+) ms; "
    r"incomplete ticks (?P<incomplete>\d+), script errors (?P<errors>\d+)"
)
_RENDER = re.compile(
    r"aicore_audio_render, (?P<block>\d+)-frame block at 48 kHz: thread CPU median "
    r"(?P<median>[\d.]+) us p99 (?P<p99>[\d.]+) us"
)


def convert_frame_cost(suite: str, output: str) -> Converted:
    """The figures of c_frame_cost's output; a problem for each line it did not find."""
    out = Converted()
    tick = _TICK.search(output)
    if tick is None:
        out.problems.append(f"{suite}: c_frame_cost printed no aicore_tick line")
    else:
        npcs = int(tick["npcs"])
        counts: dict[str, float | int | str] = {
            "frames": int(tick["frames"]),
            "incomplete_ticks": int(tick["incomplete"]),
            "script_errors": int(tick["errors"]),
        }
        for name, group in (("tick", "wall"), ("tick.p99", "wall99")):
            out.figures.append(
                Figure(
                    suite, f"c_{name}[{npcs}]", float(tick[group]) / 1e3, "s", "wall", None, counts
                )
            )
        for name, group in (("tick_cpu", "cpu"), ("tick_cpu.p99", "cpu99")):
            out.figures.append(
                Figure(
                    suite, f"c_{name}[{npcs}]", float(tick[group]) / 1e3, "s", "wall", None, counts
                )
            )
        if int(tick["errors"]):
            out.problems.append(f"{suite}: c_frame_cost saw {tick['errors']} script errors")
    render = _RENDER.search(output)
    if render is None:
        out.problems.append(f"{suite}: c_frame_cost printed no aicore_audio_render line")
    else:
        block = int(render["block"])
        for name, group in (("audio_render", "median"), ("audio_render.p99", "p99")):
            out.figures.append(
                Figure(suite, f"c_{name}[{block}]", float(render[group]) / 1e6, "s", "wall")
            )
    return out
