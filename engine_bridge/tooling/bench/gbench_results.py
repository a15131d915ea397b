"""Google Benchmark's JSON (``--benchmark_format=json``) as figures of a result set.

Each benchmark gives a ``wall`` figure in seconds: the CPU time per iteration (what
docs/vocal.md quotes: the voice engine measures its process's CPU time), the median of
the repetitions when the run repeated (``--benchmark_repetitions``), with the real time,
iterations and repetitions in ``extra``. Its ``items_per_second`` becomes a
``throughput`` figure ``<name>.items_per_second``; other counters (``core_pct``,
``us_per_voice``) stay in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine_bridge.tooling.bench.figure_names import gbench_name
from engine_bridge.tooling.bench.pytest_results import Converted
from engine_bridge.tooling.bench.result_set import Figure

__all__ = ["convert_gbench"]

_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_KNOWN = frozenset(
    {
        "name",
        "family_index",
        "per_family_instance_index",
        "run_name",
        "run_type",
        "repetitions",
        "repetition_index",
        "threads",
        "iterations",
        "real_time",
        "cpu_time",
        "time_unit",
        "aggregate_name",
        "aggregate_unit",
        "items_per_second",
        "bytes_per_second",
        "error_occurred",
        "error_message",
    }
)


def _number(value: object) -> float:
    if not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def convert_gbench(
    suite: str, report: Mapping[str, object], size_args: Mapping[str, int]
) -> Converted:
    """The figures of one Google Benchmark JSON report for ``suite``; ``size_args`` maps a
    benchmark family (``BM_VoiceEngineMix``) to the index of the numeric argument that is
    its size (a family not named: its last numeric argument)."""
    out = Converted()
    runs = report.get("benchmarks")
    if not isinstance(runs, list):
        out.problems.append(f"{suite}: the Google Benchmark report has no 'benchmarks' list")
        return out
    chosen: dict[str, Mapping[str, object]] = {}
    for run in runs:
        if not isinstance(run, Mapping):
            continue
        run_name = str(run.get("run_name", run.get("name", "")))
        if run.get("error_occurred"):
            out.problems.append(f"{suite}: {run_name} failed: {run.get('error_message')}")
            continue
        aggregate = run.get("aggregate_name")
        if aggregate == "median" or (aggregate is None and run_name not in chosen):
            chosen[run_name] = run
    for run_name, run in chosen.items():
        try:
            _convert_one(suite, run_name, run, size_args, out)
        except (KeyError, TypeError, ValueError) as exc:
            out.problems.append(f"{suite}: benchmark {run_name!r} is malformed: {exc!r}")
    return out


def _convert_one(
    suite: str,
    run_name: str,
    run: Mapping[str, object],
    size_args: Mapping[str, int],
    out: Converted,
) -> None:
    family = run_name.split("/", 1)[0]
    named = gbench_name(run_name, size_args.get(family, -1))
    scale = _SECONDS[str(run.get("time_unit", "ns"))]
    extra: dict[str, float | int | str] = {
        "real_time_s": _number(run["real_time"]) * scale,
        "iterations": int(_number(run["iterations"])),
        "repetitions": int(_number(run.get("repetitions", 1))),
    }
    for key, value in run.items():
        if key not in _KNOWN and isinstance(value, int | float):
            extra[key] = value
    if named.series != named.name:
        extra["series"] = named.series
    cpu = _number(run["cpu_time"]) * scale
    out.figures.append(Figure(suite, named.name, cpu, "s", "wall", named.size, extra))
    if "items_per_second" in run:
        t_extra: dict[str, float | int | str] = {"of": f"{suite}/{named.name}"}
        if named.series != named.name:
            t_extra["series"] = f"{named.series}.items_per_second"
        out.figures.append(
            Figure(
                suite,
                f"{named.name}.items_per_second",
                _number(run["items_per_second"]),
                "items/s",
                "throughput",
                named.size,
                t_extra,
            )
        )
