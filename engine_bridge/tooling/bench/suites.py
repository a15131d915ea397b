"""The QA benchmark suites ``aicore bench`` runs, by name, and what each is made of.

A suite is a list of parts, each one program run: a pytest-benchmark run over some test
files (:class:`PytestPart`), a Google Benchmark binary of ``build/bench``
(:class:`GbenchPart`), the C frame-cost program (:class:`FrameCostPart`), or the callgrind
instruction counts (:class:`InstructionsPart`). ``--quick`` runs each part on its smallest
workload (a ``-k`` or ``--benchmark_filter`` expression per part) for a smoke run.
A suite may also derive same-run ratios from two of its figures (:class:`DerivedRatio`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "SUITES",
    "DerivedRatio",
    "FrameCostPart",
    "GbenchPart",
    "InstructionsPart",
    "Part",
    "PytestPart",
    "Suite",
    "suite_from_directory",
]

ARCHETYPES = ("vampire", "zombie", "werewolf", "wraith", "ghoul")


@dataclass(frozen=True)
class PytestPart:
    """pytest-benchmark over ``paths`` (files or folders, relative to the repository);
    ``quick`` the ``-k`` expression of a smoke run (None: every test)."""

    paths: tuple[str, ...]
    quick: str | None = None

    @property
    def label(self) -> str:
        return "pytest " + " ".join(Path(p).name for p in self.paths)


@dataclass(frozen=True)
class GbenchPart:
    """A Google Benchmark binary of the bench build (``binary`` relative to
    ``build/bench``): ``min_time`` seconds per benchmark and ``repetitions`` (the figure is
    their median) in a full run; ``quick`` the ``--benchmark_filter`` of a smoke run;
    ``size_args`` the numeric argument that is a family's size (default: its last)."""

    binary: str
    min_time: float
    repetitions: int = 3
    quick: str | None = None
    size_args: Mapping[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Path(self.binary).name


@dataclass(frozen=True)
class FrameCostPart:
    """``build/bench/cpp/bridge/c_frame_cost NPCS FRAMES``: a frame as a C game sees it."""

    npcs: int = 1_000
    frames: int = 1_200
    quick_frames: int = 200

    @property
    def label(self) -> str:
        return "c_frame_cost"


@dataclass(frozen=True)
class InstructionsPart:
    """The callgrind instruction counts (engine_bridge/tooling/bench/instruction_counts.py)."""

    @property
    def label(self) -> str:
        return "callgrind"


Part = PytestPart | GbenchPart | FrameCostPart | InstructionsPart


@dataclass(frozen=True)
class DerivedRatio:
    """``name`` = figure ``numerator`` over figure ``denominator`` of the same suite and
    run (unit ``x``, kind ``ratio``): a cost against a reference measured beside it."""

    name: str
    numerator: str
    denominator: str


@dataclass(frozen=True)
class Suite:
    """A named suite: its parts, in order, and the ratios derived from its figures."""

    name: str
    what: str
    parts: tuple[Part, ...]
    ratios: tuple[DerivedRatio, ...] = ()


_VOCAL = Suite(
    "vocal",
    "the voice core: blocks, archetype voices, the engine's mix; vocal.render; a biquad",
    (
        GbenchPart(
            "cpp/vocal/vocal_bench",
            min_time=0.2,
            quick="BM_VoiceEngineMix/(1|16|128)/512|BM_ArchetypeVoice/.*/512$"
            "|BM_BiquadProcessBlock/512",
            size_args={"BM_VoiceEngineMix": 0},
        ),
        PytestPart(
            ("tests/bench/test_bench_vocal.py", "tests/bench/test_bench_biquad.py"),
            quick="vampire or biquad",
        ),
    ),
    # One voice through its archetype's whole chain against one biquad over the same
    # block: both scale with the machine's speed, so their ratio holds on a busy machine.
    tuple(
        DerivedRatio(
            f"ArchetypeVoice/{a}/512.over_biquad",
            f"ArchetypeVoice/{a}/512",
            "BiquadProcessBlock/512",
        )
        for a in ARCHETYPES
    ),
)

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        _VOCAL,
        Suite(
            "bridge",
            "the C ABI: a frame without designer logic, messages; a frame as a C game sees it",
            (
                GbenchPart("cpp/bridge/bridge_bench", min_time=0.5, quick="BM_BridgeFrame"),
                FrameCostPart(),
            ),
        ),
        Suite(
            "frame",
            "a frame of the designer runtime with the shipped scripts; the runtime's overhead",
            (
                PytestPart(
                    ("tests/bench/test_bench_frame.py",),
                    quick="100_mixed or 1000_mixed or empty or plain",
                ),
            ),
        ),
        Suite(
            "models",
            "the NPC decision models: batched against per NPC; a frame with models on and off",
            (
                PytestPart(
                    ("tests/bench/test_bench_models.py",),
                    quick="(100_npcs or 1000_npcs) and not frame",
                ),
            ),
        ),
        Suite(
            "store",
            "the store: events committed per second, the game thread's hand-over, save, load",
            (PytestPart(("tests/bench/test_bench_store.py",), quick="game_thread"),),
        ),
        Suite(
            "sync",
            "the cloud gateway: acknowledged events per second, many clients, the stores",
            (
                PytestPart(
                    (
                        "tests/bench/test_bench_gateway.py",
                        "tests/sync/test_bench_store_append.py",
                        "tests/sync/test_bench_gateway_swarm.py",
                    ),
                    quick="append_batches and sqlite",
                ),
            ),
        ),
        Suite(
            "instructions",
            "instructions counted by callgrind for fixed work (stable on a shared machine)",
            (InstructionsPart(),),
        ),
    )
}
"""Every suite, in the order ``aicore bench`` runs them."""


def suite_from_directory(directory: Path) -> Suite:
    """A suite of the pytest-benchmark files in ``directory`` (``bench_*.py`` and
    ``test_bench_*.py``), named after it: how a test (or QA) adds a suite of its own."""
    files = sorted(
        str(p) for pattern in ("bench_*.py", "test_bench_*.py") for p in directory.glob(pattern)
    )
    return Suite(directory.name, f"the benchmarks of {directory}", (PytestPart(tuple(files)),))
