"""The soak (``aicore bench --soak MINUTES``): the host world played through a warm-up
(``--soak-warmup``, ten minutes by default), then for MINUTES measured, watched from
outside for memory growth, frame-time drift, open files and threads (docs/qa.md, "Soak").

The real ``aicore-host`` runs the shipped NPC scripts (:data:`SOAK_KINDS`, 300 NPCs) at
60 Hz on the wall clock (``--realtime``: an hour of soak is an hour of play), with a save
folder and an autosave every minute of game time, and writes one stats line per second
(``--stats``: that second's frame times). Every few seconds this module reads the host's
``/proc/<pid>``: resident memory (``VmRSS``), threads, open file descriptors, and the
latest frame times. At the end the host is stopped with SIGINT (it finishes its frame and
writes its report) and :func:`.soak_figures.soak_figures` turns the samples into figures.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine_bridge.tooling.bench.host_world import host_world_command
from engine_bridge.tooling.bench.result_set import Figure
from engine_bridge.tooling.bench.soak_figures import (
    DEFAULT_WARMUP_MINUTES,
    SoakSamples,
    soak_figures,
)

__all__ = [
    "SERIES_KEYS",
    "SOAK_KINDS",
    "SOAK_NPCS",
    "SoakError",
    "SoakResult",
    "run_soak",
    "sample_interval",
]

SOAK_NPCS = 300
SOAK_KINDS: tuple[str, ...] = ("townsfolk", "vampire", "zombie", "werewolf", "wraith", "ghoul")
_AUTOSAVE_S = "60"
_START_TIMEOUT_S = 120.0  # Python, the scripts and the models loading on a busy machine
_STOP_TIMEOUT_S = 60.0


SERIES_KEYS: tuple[str, ...] = (
    "soak/rss_bytes",
    "soak/frame_ms",
    "soak/open_files",
    "soak/threads",
    "soak/elapsed_s",
)


class SoakError(RuntimeError):
    """The soak could not run at all (the host did not start): why, with its stderr."""


@dataclass
class SoakResult:
    """A soak's figures (suite ``soak``) and the samples they came from."""

    figures: list[Figure]
    series: dict[str, list[float]]
    """``soak/rss_bytes``, ``soak/frame_ms``, ``soak/open_files``, ``soak/threads``,
    ``soak/elapsed_s`` (seconds since the host started): one value per sample."""
    problems: list[str] = field(default_factory=list)
    """What went wrong on the way (the host ended early, a stats line that was not JSON)."""


def sample_interval(duration_s: float) -> float:
    """Seconds between samples: about 120 samples a soak, 1 to 5 s apart."""
    return min(5.0, max(1.0, duration_s / 120.0))


def run_soak(
    minutes: float,
    repo: Path,
    *,
    warmup_minutes: float = DEFAULT_WARMUP_MINUTES,
    progress: Callable[[float], None] | None = None,
) -> SoakResult:
    """Run the host world for ``warmup_minutes``, then ``minutes`` measured (``progress``:
    the fraction of the whole done, 0 to 1, after each sample). A host that does not
    start, or ends early, is a problem of the result (no figures when there are too few
    samples), never an exception."""
    if not (math.isfinite(minutes) and minutes > 0):
        raise ValueError(f"a soak needs a finite number of minutes above 0, got {minutes}")
    if not (math.isfinite(warmup_minutes) and warmup_minutes >= 0):
        raise ValueError(f"a soak's warm-up needs finite minutes, 0 or more, got {warmup_minutes}")
    measured, warmup = minutes * 60.0, warmup_minutes * 60.0
    duration = warmup + measured
    with tempfile.TemporaryDirectory(prefix="aicore-soak-") as scratch:
        work = Path(scratch)
        stats_path = work / "stats.jsonl"
        stderr_path = work / "stderr.txt"
        command = _host_command(repo, work, stats_path, duration)
        with (work / "stdout.txt").open("w") as out, stderr_path.open("w") as err:
            host = subprocess.Popen(command, stdout=out, stderr=err)
            try:
                return _watch(host, stats_path, stderr_path, (warmup, measured), progress)
            except SoakError as exc:
                return SoakResult(
                    figures=[], series={k: [] for k in SERIES_KEYS}, problems=[str(exc)]
                )
            finally:
                _stop(host)


def _host_command(repo: Path, work: Path, stats: Path, duration_s: float) -> list[str]:
    # Frames for the whole soak and then some: the soak ends it with SIGINT, not the count.
    frames = int(duration_s * 60) + 3600
    return [
        *host_world_command(
            repo, npcs=SOAK_NPCS, frames=frames, kinds=SOAK_KINDS, save=work / "save"
        ),
        "--realtime",
        "--save-every",
        _AUTOSAVE_S,
        "--stats",
        str(stats),
        "--quiet",
    ]


class _StatsTail:
    """The stats lines the host appended since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.last: dict[str, float] = {}
        self.bad_lines = 0

    def read(self) -> list[dict[str, float]]:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        lines = []
        for raw in complete.splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                self.bad_lines += 1
        if lines:
            self.last = lines[-1]
        return lines


def _proc(pid: int) -> tuple[float, float, float] | None:
    """(RSS bytes, threads, open file descriptors) of a live process, else None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss_kib = float(fields["VmRSS"].split()[0])
    return rss_kib * 1024.0, float(fields["Threads"].strip()), float(fds)


def _watch(
    host: subprocess.Popen[bytes],
    stats_path: Path,
    stderr_path: Path,
    warmup_and_measured: tuple[float, float],
    progress: Callable[[float], None] | None,
) -> SoakResult:
    warmup, measured = warmup_and_measured
    duration = warmup + measured
    started = time.monotonic()
    tail = _StatsTail(stats_path)
    # The world runs once its first second is written: samples before that are start-up.
    while not tail.read():
        if host.poll() is not None or time.monotonic() - started > _START_TIMEOUT_S:
            why = stderr_path.read_text(errors="replace").strip()[-800:]
            state = "exited" if host.returncode is not None else "wrote no stats"
            raise SoakError(
                f"soak: aicore-host {state} before its first second: {why or '(no stderr)'}"
            )
        time.sleep(0.2)
    series: dict[str, list[float]] = {
        k: [] for k in ("rss_bytes", "frame_ms", "open_files", "threads", "elapsed_s")
    }
    problems: list[str] = []
    interval = sample_interval(duration)
    next_sample = time.monotonic()
    while (elapsed := time.monotonic() - started) < duration:
        new = tail.read()
        sample = _proc(host.pid)
        if sample is None or host.poll() is not None:
            problems.append(
                f"soak: aicore-host ended after {elapsed:.0f} s of a {duration:.0f} s soak "
                f"(exit {host.poll()}): {stderr_path.read_text(errors='replace').strip()[-400:]}"
            )
            break
        rss, threads, fds = sample
        frame_ms = (
            math.fsum(line["frame_ms_p50"] for line in new) / len(new)
            if new
            else tail.last.get("frame_ms_p50", 0.0)
        )
        for key, value in zip(series, (rss, frame_ms, fds, threads, elapsed), strict=True):
            series[key].append(value)
        if progress is not None:
            progress(min(1.0, elapsed / duration))
        next_sample += interval
        time.sleep(max(0.0, next_sample - time.monotonic()))
    tail.read()
    if tail.bad_lines:
        problems.append(f"soak: {tail.bad_lines} stats line(s) were not JSON and were skipped")
    samples = SoakSamples(
        elapsed_s=series["elapsed_s"],
        rss_bytes=series["rss_bytes"],
        frame_ms=series["frame_ms"],
        open_files=series["open_files"],
        threads=series["threads"],
        frames=int(tail.last.get("frame", 0)),
        script_errors=int(tail.last.get("script_errors", 0)),
    )
    try:
        figures = soak_figures(samples, measured, warmup)
    except ValueError as exc:
        problems.append(f"soak: {exc}")
        figures = []
    return SoakResult(
        figures=figures,
        series={f"soak/{key}": values for key, values in series.items()},
        problems=problems,
    )


def _stop(host: subprocess.Popen[bytes]) -> None:
    """SIGINT (the host ends at a frame boundary and writes its report), then SIGKILL."""
    if host.poll() is None:
        host.send_signal(signal.SIGINT)
        try:
            host.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            host.kill()
            host.wait()
