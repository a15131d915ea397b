"""A small real benchmark run for the report's tests, measured here and now: frames of
real towns of shipped NPCs at three sizes (raw frame times, a scaling curve), every
archetype's voice rendering a shipped line (per-archetype cost, and its ratio to a
reference biquad over the same clip: a gated figure), and the process's RSS, open files
and threads sampled while a town plays (the soak's series).

``slower_voices=True`` renders each voice over the clip twice per round: a deliberate
2x slowdown of the voice figures, real and measured, for the baseline table to flag."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np

import vocal
from engine_bridge.sandbox import Sandbox
from engine_bridge.tooling.bench.comparison import Change, TargetCheck
from engine_bridge.tooling.bench.result_set import Figure, ResultSet
from vocal.voice_lines import load_line, load_manifest

__all__ = ["ARCHETYPES", "SIZES", "compare", "measure_run", "targets_for"]

ARCHETYPES = ("vampire", "zombie", "werewolf", "wraith", "ghoul")
SIZES = (20, 40, 80)
_KINDS = ["zombie", "zombie", "townsfolk", "vampire", "ghoul", "wraith", "werewolf"]
_FRAMES = 30
_ROUNDS = 3


def _town(repo: Path, npcs: int) -> Sandbox:
    box = Sandbox(
        script_dirs=[repo / "npc_scripts"], content_root=repo / "content", capacity=npcs + 1
    )
    side = 100.0 * math.sqrt(npcs / 1000)
    rng = np.random.default_rng(7)
    for i, (x, y) in enumerate(rng.uniform(0.0, side, (npcs, 2))):
        box.spawn(_KINDS[i % len(_KINDS)], at=(float(x), float(y), 0.0))
    box.player_at(side / 2, side / 2, seen_by=range(0, npcs, 10))
    box.step(10)  # warm up: first greetings, caches filled
    return box


def _process_sample() -> tuple[float, float, float]:
    """RSS in bytes, open files, threads of this process, from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    files = len(os.listdir("/proc/self/fd"))
    threads = next(
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("Threads:")
    )
    return float(pages * os.sysconf("SC_PAGE_SIZE")), float(files), float(threads)


def _frames(run: ResultSet, repo: Path) -> None:
    for npcs in SIZES:
        box = _town(repo, npcs)
        try:
            times = []
            soak: dict[str, list[float]] = {k: [] for k in ("rss", "ms", "files", "threads", "t")}
            began = time.perf_counter()
            for _ in range(_FRAMES):
                started = time.perf_counter()
                box.step(1)
                times.append(time.perf_counter() - started)
                if npcs == SIZES[-1]:
                    rss, files, threads = _process_sample()
                    soak["rss"].append(rss)
                    soak["ms"].append(times[-1] * 1e3)
                    soak["files"].append(files)
                    soak["threads"].append(threads)
                    soak["t"].append(time.perf_counter() - began)
        finally:
            box.close()
        run.series[f"frame/town[{npcs}]"] = times
        run.add(Figure("frame", f"town[{npcs}]", float(np.median(times)), "s", "wall", npcs))
    run.series.update(
        {
            "soak/rss_bytes": soak["rss"],
            "soak/frame_ms": soak["ms"],
            "soak/open_files": soak["files"],
            "soak/threads": soak["threads"],
            "soak/elapsed_s": soak["t"],
        }
    )
    growth = (soak["rss"][-1] - soak["rss"][0]) / soak["rss"][0]
    run.add(Figure("soak", "rss_growth", growth, "fraction", "ratio"))


def _voices(run: ResultSet, repo: Path, slower_voices: bool) -> None:
    line = min(load_manifest(repo / "content"), key=lambda item: len(item.text))
    clip = load_line(line)
    rate = line.sample_rate
    passes = 2 if slower_voices else 1
    for archetype in ARCHETYPES:
        voice, biquad = [], []
        for _ in range(_ROUNDS):
            started = time.perf_counter()
            for _ in range(passes):
                vocal.render(clip, rate, archetype, environment="none")
            voice.append(time.perf_counter() - started)
            started = time.perf_counter()
            vocal.filter_biquad(clip, rate, "lowpass", 400.0, q=4.0)
            biquad.append(time.perf_counter() - started)
        median = float(np.median(voice))
        run.add(Figure("vocal", f"render_line[{archetype}]", median, "s", "wall"))
        run.add(
            Figure(
                "vocal",
                f"voice_over_biquad[{archetype}]",
                median / float(np.median(biquad)),
                "x",
                "ratio",
            )
        )


def measure_run(repo: Path, *, slower_voices: bool = False) -> ResultSet:
    """A quick run of the two small suites, measured now."""
    run = ResultSet.begin(repo, ["frame", "vocal", "soak"], quick=True)
    _frames(run, repo)
    _voices(run, repo, slower_voices)
    return run


def compare(baseline: ResultSet, current: ResultSet, threshold: float = 0.25) -> list[Change]:
    """The rows of a plain comparison (the runner's gate has its own thresholds file):
    ratios and instruction counts gated at ``threshold``, the rest reported."""
    rows = []
    before = baseline.by_key()
    for key, figure in current.by_key().items():
        old = before.get(key)
        gated = figure.kind in ("ratio", "instructions")
        ratio = None if old is None or old.value == 0 else figure.value / old.value
        if ratio is None:
            verdict = "new"
        elif not gated:
            verdict = "not gated"
        elif ratio > 1 + threshold:
            verdict = "regressed"
        elif ratio < 1 - threshold:
            verdict = "improved"
        else:
            verdict = "unchanged"
        rows.append(
            Change(
                key=key,
                kind=figure.kind,
                unit=figure.unit,
                baseline=None if old is None else old.value,
                current=figure.value,
                ratio=ratio,
                threshold=threshold if gated else None,
                worse_when="higher",
                verdict=verdict,  # type: ignore[arg-type]
            )
        )
    return rows


def targets_for(run: ResultSet) -> list[TargetCheck]:
    """docs/designers.md's frame target (<= 2 ms median for 1 000 NPCs) against the
    largest town here, far under it; and a target this run did not measure."""
    by_key = run.by_key()
    key = f"frame/town[{SIZES[-1]}]"
    measured = by_key[key].value
    return [
        TargetCheck(key, "<=", 0.002, "s", "docs/designers.md", measured, measured <= 0.002),
        TargetCheck("frame/town[10000]", "<=", 0.010, "s", "docs/designers.md", None, None),
    ]
