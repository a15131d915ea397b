"""The ``instructions`` suite: instruction counts of fixed workloads, the figures QA gates on.

Each workload is a fixed piece of work run under callgrind (:mod:`.callgrind`) with only
its hot function counted, at three sizes where it scales (docs/qa.md, "Instruction
counts"):

* **voices**: ``vocal_instr`` (cpp/vocal/bench/instr_voices.cpp, built by every native
  build) renders 512-sample blocks of the voice engine's mix with 1, 4 and 16 voices of
  one archetype speaking its shipped lines, for each archetype, and the reference chain of
  eight biquads per voice; only ``aicore_instr_render_*`` is counted. Figures:
  ``<archetype>_block_instructions[voices]`` (instructions per block of the mix),
  ``biquad_chain_block_instructions[voices]``, and each archetype over the chain at the
  same voice count (``<archetype>_vs_biquad_chain[voices]``, a ratio);
* **frames**: the real ``aicore-host`` running the shipped NPC scripts (townsfolk and the
  five monsters, round-robin) at 100, 300 and 1 000 NPCs; only ``aicore_tick`` is counted,
  one dump per frame, the warm-up frames dropped. ``PYTHONHASHSEED=0`` and budgets far above
  what a frame under valgrind takes (so nothing is deferred to a later frame or interrupted)
  make each frame's work the same from run to run. Figure: ``frame_instructions[npcs]``
  (instructions per frame, mean over the counted frames).

The NPC models' batched decision is not a workload of its own: onnxruntime's Python
module is stripped (it exports only its ``PyInit``), so callgrind has no name inside it to
toggle on, and the decision step is Python around it. The decisions the shipped kinds ask
for (zombies, werewolves, townsfolk: ``engine_bridge/models/decision_step.py``, once a
frame) are inside the frame's count.

Every workload runs twice; ``extra["rerun_rel_diff"]`` is the relative difference between
the two counts (0 when the work is deterministic).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.tooling.bench.callgrind import (
    CallgrindError,
    InstructionCount,
    callgrind_available,
    count_instructions,
)
from engine_bridge.tooling.bench.host_world import host_world_command
from engine_bridge.tooling.bench.result_set import Figure

__all__ = [
    "ARCHETYPES",
    "FRAME_KINDS",
    "SUITE",
    "InstructionCountError",
    "callgrind_available",
    "count_frames",
    "count_voice_blocks",
    "instruction_figures",
    "vocal_instr_executable",
]

SUITE = "instructions"
ARCHETYPES: tuple[str, ...] = ("vampire", "zombie", "werewolf", "wraith", "ghoul")
REFERENCE = "biquad"
"""``vocal_instr``'s name for the reference chain of eight biquads per voice."""
FRAME_KINDS: tuple[str, ...] = ("townsfolk", "vampire", "zombie", "werewolf", "wraith", "ghoul")
"""The shipped kinds a crowd is made of (Aethelred, one of a kind, is left out)."""

_VOICES = (1, 4, 16)
_NPCS = (100, 300, 1000)
_BLOCKS = 8
_QUICK_BLOCKS = 4
_FRAMES = (3, 5)  # (warm-up, counted)
_QUICK_FRAMES = (2, 2)
# Far above what a frame takes even 100x slowed down: no work is deferred or interrupted.
_BUDGET_MS = "600000"
_VOICE_FUNCTION = "aicore_instr_render_*"
_FRAME_FUNCTION = "aicore_tick"

log = logging.getLogger(__name__)


class InstructionCountError(RuntimeError):
    """Workloads that could not be counted (``problems``: one line each)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def vocal_instr_executable(repo: Path) -> Path | None:
    """The newest ``vocal_instr`` of the repository's native builds, or None."""
    found = [p for p in (repo / "build").glob("*/cpp/vocal/vocal_instr") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def count_voice_blocks(executable: Path, what: str, voices: int, blocks: int) -> InstructionCount:
    """Instructions of ``blocks`` 512-sample blocks of ``what`` (an archetype, or
    ``biquad`` for the reference chain) at ``voices`` voices."""
    return count_instructions(
        [str(executable), what, str(voices), str(blocks)], function=_VOICE_FUNCTION
    )


def count_frames(
    repo: Path, npcs: int, frames: int, *, kinds: Sequence[str] = FRAME_KINDS
) -> InstructionCount:
    """Instructions of each of ``frames`` ``aicore_tick`` calls of the real host running
    the repository's NPC scripts at ``npcs`` NPCs (``calls``: one count per frame)."""
    with tempfile.TemporaryDirectory(prefix="aicore-instr-save-") as save:
        command = [
            *host_world_command(repo, npcs=npcs, frames=frames, kinds=kinds, save=save),
            "--frame-budget",
            _BUDGET_MS,
            "--handler-budget",
            _BUDGET_MS,
            "--quiet",
        ]
        return count_instructions(
            command,
            function=_FRAME_FUNCTION,
            per_call=True,
            instrument_from_start=False,
            env={"PYTHONHASHSEED": "0"},
        )


def instruction_figures(
    repo: Path,
    *,
    quick: bool = False,
    problems: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Figure]:
    """Every figure of the suite (``quick``: the smallest size of each workload, fewest
    blocks and frames). Without valgrind: ``[]`` (check :func:`callgrind_available`).

    A workload that cannot be counted is logged and appended to ``problems``, and the
    others still run; without a ``problems`` list, :class:`InstructionCountError` is
    raised after the others ran. ``progress`` is told each workload as it starts."""
    if not callgrind_available():
        return []
    failures: list[str] = []
    figures = _voice_figures(repo, quick, failures, progress)
    figures += _frame_figures(repo, quick, failures, progress)
    for failure in failures:
        log.warning("instructions: %s", failure)
    if problems is not None:
        problems.extend(f"instructions: {failure}" for failure in failures)
    elif failures:
        raise InstructionCountError(failures)
    return figures


@dataclass(frozen=True)
class _Twice:
    first: InstructionCount
    second: InstructionCount

    @property
    def rel_diff(self) -> float:
        return _rel_diff(self.first.total, self.second.total)


def _rel_diff(a: float, b: float) -> float:
    return abs(a - b) / a if a else 0.0


def _twice(count: Callable[[], InstructionCount]) -> _Twice:
    return _Twice(count(), count())


def _voice_figures(
    repo: Path, quick: bool, failures: list[str], progress: Callable[[str], None] | None
) -> list[Figure]:
    executable = vocal_instr_executable(repo)
    if executable is None:
        failures.append(f"no vocal_instr under {repo / 'build'}: run `make setup`")
        return []
    blocks = _QUICK_BLOCKS if quick else _BLOCKS
    figures: list[Figure] = []
    for voices in _VOICES[:1] if quick else _VOICES:
        per_block: dict[str, float] = {}
        for what in (REFERENCE, *ARCHETYPES):
            if progress is not None:
                progress(f"{what} x{voices} voices")
            try:
                twice = _twice(
                    lambda w=what, v=voices: count_voice_blocks(executable, w, v, blocks)
                )
            except CallgrindError as exc:
                failures.append(str(exc))
                continue
            per_block[what] = twice.first.total / blocks
            name = "biquad_chain" if what == REFERENCE else what
            figures.append(
                Figure(
                    suite=SUITE,
                    name=f"{name}_block_instructions[{voices}]",
                    value=per_block[what],
                    unit="instructions",
                    kind="instructions",
                    size=voices,
                    extra={
                        "blocks": blocks,
                        "block_samples": 512,
                        "instructions_total": twice.first.total,
                        "instructions_per_voice_block": per_block[what] / voices,
                        "rerun_rel_diff": twice.rel_diff,
                    },
                )
            )
        reference = per_block.get(REFERENCE)
        for archetype in ARCHETYPES:
            if reference and archetype in per_block:
                figures.append(
                    Figure(
                        suite=SUITE,
                        name=f"{archetype}_vs_biquad_chain[{voices}]",
                        value=per_block[archetype] / reference,
                        unit="x",
                        kind="ratio",
                        size=voices,
                        extra={"reference": "8 peaking biquads per voice, 512-sample block"},
                    )
                )
    return figures


def _frame_figures(
    repo: Path, quick: bool, failures: list[str], progress: Callable[[str], None] | None
) -> list[Figure]:
    warmup, counted = _QUICK_FRAMES if quick else _FRAMES
    figures: list[Figure] = []
    for npcs in _NPCS[:1] if quick else _NPCS:
        if progress is not None:
            progress(f"frames x{npcs} NPCs")
        try:
            twice = _twice(lambda n=npcs: count_frames(repo, n, warmup + counted))
        except CallgrindError as exc:
            failures.append(str(exc))
            continue
        frames = twice.first.calls[warmup:]
        if len(frames) != counted:
            failures.append(
                f"frame_instructions[{npcs}]: {len(twice.first.calls)} frames counted, "
                f"{warmup + counted} ran"
            )
            continue
        per_frame = sum(frames) / counted
        figures.append(
            Figure(
                suite=SUITE,
                name=f"frame_instructions[{npcs}]",
                value=per_frame,
                unit="instructions",
                kind="instructions",
                size=npcs,
                extra={
                    "frames": counted,
                    "warmup_frames": warmup,
                    "kinds": ",".join(FRAME_KINDS),
                    "instructions_per_npc": per_frame / npcs,
                    "frame_min": min(frames),
                    "frame_max": max(frames),
                    "rerun_rel_diff": _rel_diff(sum(frames), sum(twice.second.calls[warmup:])),
                },
            )
        )
    return figures
