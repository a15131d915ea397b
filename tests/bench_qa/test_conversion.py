"""Benchmark results into figures: stable names and sizes, medians in seconds with their
spread, raw series capped, declared figures, Google Benchmark's JSON, c_frame_cost."""

from __future__ import annotations

from typing import Any

import pytest

from engine_bridge.tooling.bench.declared_figures import declare_figure
from engine_bridge.tooling.bench.figure_names import gbench_name, pytest_name
from engine_bridge.tooling.bench.frame_cost_output import convert_frame_cost
from engine_bridge.tooling.bench.gbench_results import convert_gbench
from engine_bridge.tooling.bench.pytest_results import SERIES_CAP, convert_pytest_benchmarks


@pytest.mark.parametrize(
    ("test_name", "name", "size", "series"),
    [
        ("test_batched_decisions[1000_npcs]", "batched_decisions[1000]", 1000, "batched_decisions"),
        ("test_frame[10000_mixed]", "frame[10000_mixed]", 10000, "frame[mixed]"),
        ("test_append[sqlite]", "append[sqlite]", None, "append[sqlite]"),
        ("test_plain_loop", "plain_loop", None, "plain_loop"),
        ("test_frame_of[models_on]", "frame_of[models_on]", None, "frame_of[models_on]"),
    ],
)
def test_pytest_names_are_stable_with_their_size(
    test_name: str, name: str, size: int | None, series: str
) -> None:
    named = pytest_name(test_name)
    assert (named.name, named.size, named.series) == (name, size, series)


def test_gbench_names_take_the_size_argument_the_suite_names() -> None:
    mix = gbench_name("BM_VoiceEngineMix/128/512/process_time", 0)
    assert (mix.name, mix.size, mix.series) == ("VoiceEngineMix/128/512", 128, "VoiceEngineMix/512")
    voice = gbench_name("BM_ArchetypeVoice/zombie/256", -1)
    assert (voice.name, voice.size, voice.series) == (
        "ArchetypeVoice/zombie/256",
        256,
        "ArchetypeVoice/zombie",
    )
    assert gbench_name("BM_SpscQueuePushPop", -1).size is None


def _bench(name: str, median: float, data: list[float], info: dict[str, Any]) -> dict[str, Any]:
    stats = {"median": median, "mean": median, "stddev": 0.1, "rounds": len(data)}
    stats |= {"min": min(data), "max": max(data), "iqr": 0.2, "data": data}
    return {"name": name, "stats": stats, "extra_info": info}


def test_a_pytest_benchmark_gives_its_median_spread_series_and_declared_figures() -> None:
    info: dict[str, Any] = {"note": "kept"}
    declare_figure(info, "per_npc_over_batched", 18.5, unit="x", kind="ratio")
    data = [float(i) for i in range(SERIES_CAP * 2)]
    report = {"benchmarks": [_bench("test_per_npc_loop[1000_npcs]", 0.009, data, info)]}
    out = convert_pytest_benchmarks("models", report)
    assert out.problems == []
    wall, ratio = out.figures
    assert (wall.key, wall.value, wall.unit, wall.kind, wall.size) == (
        "models/per_npc_loop[1000]",
        0.009,
        "s",
        "wall",
        1000,
    )
    assert {"mean", "stddev", "rounds", "min", "max", "iqr"} <= set(wall.extra)
    assert wall.extra["note"] == "kept"
    assert (ratio.key, ratio.value, ratio.unit, ratio.kind, ratio.size) == (
        "models/per_npc_loop.per_npc_over_batched[1000]",
        18.5,
        "x",
        "ratio",
        1000,
    )
    series = out.series["models/per_npc_loop[1000]"]
    assert len(series) == SERIES_CAP
    assert series[0] == 0.0
    assert series[-1] > SERIES_CAP  # thinned evenly over the whole run, not cut


def test_a_malformed_declared_figure_is_a_problem_not_a_silence() -> None:
    info = {"figures": {"bad": {"value": 1.0, "unit": "x", "kind": "speed"}}}
    out = convert_pytest_benchmarks("s", {"benchmarks": [_bench("test_x", 1.0, [1.0], info)]})
    assert [f.name for f in out.figures] == ["x"]
    assert len(out.problems) == 1
    assert "bad" in out.problems[0]
    with pytest.raises(ValueError, match="kind"):
        declare_figure({}, "x", 1.0, unit="x", kind="speed")  # type: ignore[arg-type]


def test_gbench_takes_the_median_of_repetitions_in_seconds_and_items_per_second() -> None:
    def run(aggregate: str | None, cpu: float) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": "BM_PushEvents/1000", "run_name": "BM_PushEvents/1000"}
        entry |= {"iterations": 100, "real_time": cpu, "cpu_time": cpu, "time_unit": "us"}
        entry |= {"items_per_second": 2e6, "repetitions": 3}
        if aggregate:
            entry |= {"run_type": "aggregate", "aggregate_name": aggregate}
        return entry

    report = {"benchmarks": [run("mean", 9.0), run("median", 5.0), run("stddev", 1.0)]}
    out = convert_gbench("bridge", report, {})
    assert out.problems == []
    wall, rate = out.figures
    assert wall.key == "bridge/PushEvents/1000"
    assert wall.value == pytest.approx(5e-6)
    assert wall.size == 1000
    assert (rate.name, rate.value, rate.kind) == (
        "PushEvents/1000.items_per_second",
        2e6,
        "throughput",
    )


def test_c_frame_cost_output_becomes_figures() -> None:
    text = (
        "aicore_tick, 1000 NPCs, 200 frames: wall median 1.250 ms p99 2.500 ms; thread CPU "
        "median 1.000 ms p99 2.000 ms; incomplete ticks 0, script errors 0\n"
        "aicore_audio_render, 512-frame block at 48 kHz: thread CPU median 80.0 us p99 120.0 us "
        "(0.75% of the block's 10.67 ms), 3 voices active at the end\n"
    )
    out = convert_frame_cost("bridge", text)
    assert out.problems == []
    by_name = {f.name: f.value for f in out.figures}
    assert by_name["c_tick[1000]"] == pytest.approx(0.00125)
    assert by_name["c_tick_cpu.p99[1000]"] == pytest.approx(0.002)
    assert by_name["c_audio_render[512]"] == pytest.approx(80e-6)
    assert convert_frame_cost("bridge", "nothing").problems  # said, not silent
