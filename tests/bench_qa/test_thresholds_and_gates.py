"""The thresholds file: the checked-in one reads, every entry is checked, only instruction
counts and ratios gate; comparison verdicts and target checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_bridge.tooling.bench.gates import check_targets, compare, regressions
from engine_bridge.tooling.bench.result_set import Figure, Machine, ResultSet
from engine_bridge.tooling.bench.thresholds import (
    DEFAULT_FILE,
    ThresholdsError,
    load_thresholds,
)

MACHINE = Machine("h", "cpu", 2, "Linux", "3.11")


def _run(*figures: Figure) -> ResultSet:
    return ResultSet(MACHINE, "abc", "2025-01-01T00:00:00+00:00", ["s"], list(figures))


def test_the_checked_in_file_reads_and_names_a_source_for_every_target(repo: Path) -> None:
    thresholds = load_thresholds(repo / DEFAULT_FILE)
    assert len(thresholds.targets) >= 20
    assert all(t.source for t in thresholds.targets)
    suites = {t.key.split("/", 1)[0] for t in thresholds.targets}
    assert suites >= {"frame", "models", "vocal", "bridge", "store", "sync"}
    wall = Figure("frame", "frame_with_shipped_scripts[1000_mixed]", 1e-3, "s", "wall")
    assert not thresholds.rule_for(wall).gate
    voice = Figure("vocal", "ArchetypeVoice/vampire/512.over_biquad", 3.0, "x", "ratio")
    assert (thresholds.rule_for(voice).gate, thresholds.rule_for(voice).worse_when) == (
        True,
        "higher",
    )
    # A speed-up whose sides a busy machine slows unevenly is reported, not gated.
    speedup = Figure("models", "per_npc_loop.per_npc_over_batched[1000]", 18.0, "x", "ratio")
    rule = thresholds.rule_for(speedup)
    assert (rule.gate, rule.worse_when) == (False, "lower")


def _write(tmp_path: Path, text: str) -> Path:
    defaults = "\n".join(
        f'{k} = {{ threshold = 0.1, worse_when = "higher", gate = {str(k == "ratio").lower()} }}'
        for k in ("instructions", "ratio", "wall", "throughput", "exponent", "memory", "count")
    )
    path = tmp_path / "t.toml"
    path.write_text(f"[defaults]\n{defaults}\n{text}")
    return path


def test_a_rule_gating_a_wall_time_does_not_gate(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[threshold]]\nkey = "s/*"\nthreshold = 0.1\nworse_when = "higher"\ngate = true\n',
    )
    thresholds = load_thresholds(path)
    assert not thresholds.rule_for(Figure("s", "t", 1.0, "s", "wall")).gate
    assert thresholds.rule_for(Figure("s", "r", 1.0, "x", "ratio")).gate


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[[threshold]]\nkey = "a"\nthreshold = 0.1\ngate = true\n', "'worse_when' is missing"),
        (
            '[[threshold]]\nkey = "a"\nthreshold = -1\nworse_when = "higher"\ngate = true\n',
            "above 0",
        ),
        ('[[target]]\nkey = "a"\nop = "=="\nvalue = 1\nunit = "s"\nsource = "x"\n', "'op'"),
        ('[[target]]\nkey = "a"\nop = "<="\nvalue = 1\nunit = "s"\n', "'source' is missing"),
    ],
)
def test_a_bad_entry_is_refused_naming_it(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ThresholdsError, match=reason) as caught:
        load_thresholds(_write(tmp_path, text))
    assert caught.value.file.name == "t.toml"


def test_verdicts_follow_the_threshold_and_direction(tmp_path: Path) -> None:
    thresholds = load_thresholds(_write(tmp_path, ""))
    before = _run(
        Figure("s", "cost", 2.0, "x", "ratio"),
        Figure("s", "same", 2.0, "x", "ratio"),
        Figure("s", "time", 1.0, "s", "wall"),
        Figure("s", "gone", 1.0, "x", "ratio"),
    )
    after = _run(
        Figure("s", "cost", 4.0, "x", "ratio"),
        Figure("s", "same", 2.1, "x", "ratio"),
        Figure("s", "time", 3.0, "s", "wall"),
        Figure("s", "new", 1.0, "x", "ratio"),
    )
    verdicts = {c.key: c.verdict for c in compare(after, before, thresholds)}
    assert verdicts == {
        "s/cost": "regressed",
        "s/same": "unchanged",
        "s/time": "not gated",  # 3x slower wall time: shown, never gated
        "s/new": "new",
        "s/gone": "gone",
    }
    assert [c.key for c in regressions(compare(after, before, thresholds))] == ["s/cost"]


def test_targets_are_met_missed_or_not_measured(tmp_path: Path) -> None:
    text = "".join(
        f'[[target]]\nkey = "{key}"\nop = "{op}"\nvalue = {value}\nunit = "s"\n'
        'source = "docs/x.md"\n'
        for key, op, value in (("s/a", "<=", 1.0), ("s/b", ">=", 40), ("s/c", "<=", 1.0))
    )
    thresholds = load_thresholds(_write(tmp_path, text))
    run = _run(Figure("s", "a", 0.5, "s", "wall"), Figure("s", "b", 18.0, "x", "ratio"))
    assert [(t.key, t.met) for t in check_targets(run, thresholds)] == [
        ("s/a", True),
        ("s/b", False),
        ("s/c", None),
    ]
