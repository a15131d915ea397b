"""The instruction counts QA gates on (docs/qa.md, "Instruction counts"): callgrind counting
the real voice render of ``vocal_instr`` (built by ``make setup``), a fixed piece of work.

Nothing here depends on the machine's speed: a count is the same however busy the machine
is. Tiny workloads (one voice, a few blocks): callgrind runs them about 50x slower."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_bridge.tooling.bench.callgrind import (
    CallgrindError,
    callgrind_available,
    count_instructions,
    read_total,
)
from engine_bridge.tooling.bench.instruction_counts import (
    count_voice_blocks,
    instruction_figures,
    vocal_instr_executable,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vocal_instr() -> Path:
    assert callgrind_available(), (
        "valgrind is missing: tools/install_system_packages.sh installs it"
    )
    executable = vocal_instr_executable(REPO)
    assert executable is not None, "vocal_instr is not built: run `make setup`"
    return executable


@pytest.fixture(scope="module")
def vampire_counts(vocal_instr: Path) -> dict[str, int]:
    """One vampire voice: 4 blocks twice, and 8 blocks."""
    return {
        "4": count_voice_blocks(vocal_instr, "vampire", 1, 4).total,
        "4 again": count_voice_blocks(vocal_instr, "vampire", 1, 4).total,
        "8": count_voice_blocks(vocal_instr, "vampire", 1, 8).total,
    }


def test_two_runs_of_the_same_render_agree_within_a_percent(vampire_counts: dict[str, int]) -> None:
    first, second = vampire_counts["4"], vampire_counts["4 again"]
    assert first > 100_000  # a voice's block is real work, not an empty function
    assert abs(first - second) / first < 0.01


def test_twice_the_blocks_counts_about_twice_the_instructions(
    vampire_counts: dict[str, int],
) -> None:
    assert 1.8 <= vampire_counts["8"] / vampire_counts["4"] <= 2.2


def test_a_voice_costs_more_than_the_reference_biquad_chain(
    vocal_instr: Path, vampire_counts: dict[str, int]
) -> None:
    chain = count_voice_blocks(vocal_instr, "biquad", 1, 4).total
    assert 0 < chain < vampire_counts["4"]


def test_per_call_counts_one_dump_per_call_that_add_up(vocal_instr: Path) -> None:
    whole = count_instructions(
        [str(vocal_instr), "vampire", "1", "3"], function="aicore_instr_voice_block", per_call=True
    )
    assert len(whole.calls) == 3
    assert sum(whole.calls) == whole.total
    # The blocks of one voice cost about the same: a dump is one block, not a running sum.
    assert max(whole.calls) / min(whole.calls) < 1.5


def test_a_function_never_called_is_an_error_naming_it(vocal_instr: Path) -> None:
    with pytest.raises(CallgrindError, match="no_such_function"):
        count_instructions([str(vocal_instr), "biquad", "1", "1"], function="no_such_function")
    with pytest.raises(ValueError, match="exact name"):
        count_instructions([str(vocal_instr)], function="render_*", per_call=True)


def test_a_failing_command_is_an_error_with_its_reason(vocal_instr: Path) -> None:
    with pytest.raises(CallgrindError, match="no archetype 'nobody'"):
        count_instructions([str(vocal_instr), "nobody", "1", "1"], function="aicore_instr_render_*")


def test_the_totals_line_is_read_from_callgrind_output(tmp_path: Path) -> None:
    out = tmp_path / "callgrind.out.1"
    out.write_text("version: 1\ncreator: callgrind-3.19.0\nevents: Ir\npart: 1\n\nsummary: 1234\n")
    assert read_total(out) == 1234
    (tmp_path / "empty").write_text("events: Ir\n")
    with pytest.raises(CallgrindError, match="no totals"):
        read_total(tmp_path / "empty")


def test_a_missing_build_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems: list[str] = []
    # An empty checkout: no vocal_instr, no scripts; every workload fails and says why.
    figures = instruction_figures(tmp_path, quick=True, problems=problems)
    assert figures == []
    assert any("vocal_instr" in p for p in problems)


def test_the_gate_flags_twice_the_instructions_and_not_a_rerun(
    vampire_counts: dict[str, int],
) -> None:
    # Real counts: a baseline of 4 blocks, a rerun of the same work, and the work doubled
    # (8 blocks: what a deliberate 2x slowdown of the render costs), through the
    # checked-in thresholds as `aicore bench --compare` applies them.
    from engine_bridge.tooling.bench.gates import compare, regressions
    from engine_bridge.tooling.bench.result_set import Figure, ResultSet
    from engine_bridge.tooling.bench.thresholds import DEFAULT_FILE, load_thresholds

    thresholds = load_thresholds(REPO / DEFAULT_FILE)

    def run_of(count: int) -> ResultSet:
        run = ResultSet.begin(REPO, ["instructions"])
        run.add(Figure("instructions", "voice[vampire]", count, "instructions", "instructions", 1))
        return run

    baseline = run_of(vampire_counts["4"])
    rerun = compare(run_of(vampire_counts["4 again"]), baseline, thresholds)
    assert [c.verdict for c in rerun] == ["unchanged"]
    doubled = compare(run_of(vampire_counts["8"]), baseline, thresholds)
    assert [c.key for c in regressions(doubled)] == ["instructions/voice[vampire]"]
