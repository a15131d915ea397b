"""One run of the QA benchmark suites as data: the machine it ran on, and every figure it
measured with its unit and what kind of figure it is.

``aicore bench`` writes one :class:`ResultSet` per run as JSON under ``bench-results/``
(``<date>-<commit>.json``); baselines are result sets saved under a name; the report and
the comparison read them back with :func:`load`. The format is versioned
(:data:`SCHEMA`): a reader refuses a file of another version with a :class:`ResultSetError`
that names the file, rather than guessing.

A figure's :attr:`Figure.kind` says how far it can be trusted on a shared machine
(docs/qa.md, "Which figures gate"):

* ``"instructions"``: instructions counted by callgrind for a fixed piece of work; the same
  commit gives the same count to within a fraction of a percent, whatever else runs;
* ``"ratio"``: two figures measured in the same run, one over the other (batched over
  per-NPC, a voice over a reference biquad chain); a busy machine slows both;
* ``"wall"``: a time (median of rounds); reported, never gated: it swings with the load;
* ``"throughput"``: a count per second from a wall time: reported, never gated;
* ``"exponent"``: a growth exponent fitted over three or more sizes (1: linear, 2:
  quadratic);
* ``"memory"``, ``"count"``: sizes, RSS, open files, threads.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

__all__ = [
    "KINDS",
    "SCHEMA",
    "Figure",
    "FigureKind",
    "Machine",
    "ResultSet",
    "ResultSetError",
    "load",
]

SCHEMA = 1
"""The result-set format's version; raised whenever a field changes meaning."""

FigureKind = Literal["instructions", "ratio", "wall", "throughput", "exponent", "memory", "count"]
KINDS: tuple[str, ...] = (
    "instructions",
    "ratio",
    "wall",
    "throughput",
    "exponent",
    "memory",
    "count",
)


class ResultSetError(ValueError):
    """A result-set file that cannot be read: ``file`` and why (``reason``)."""

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class Figure:
    """One measured figure.

    ``suite`` is the suite it came from (``vocal``, ``frame``, ``models``...); ``name`` is
    unique within the suite and stable from run to run (it keys baselines and thresholds):
    ``batched_decisions[1000]``; ``value`` in ``unit`` (``s``, ``instructions``, ``x``,
    ``events/s``, ``bytes``...); ``size`` is the workload's size when the figure is one
    point of a scaling series (NPCs, voices, clients, events), else None; ``extra`` holds
    what the benchmark adds (rounds, stddev, percentiles), numbers or short strings."""

    suite: str
    name: str
    value: float
    unit: str
    kind: FigureKind
    size: int | None = None
    extra: Mapping[str, float | int | str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``suite/name``: the figure's identity across runs."""
        return f"{self.suite}/{self.name}"


@dataclass(frozen=True)
class Machine:
    """Where a run happened."""

    hostname: str
    cpu_model: str
    cores: int
    system: str
    python: str

    @staticmethod
    def this() -> Machine:
        """This machine."""
        return Machine(
            hostname=platform.node(),
            cpu_model=_cpu_model(),
            cores=os.cpu_count() or 1,
            system=f"{platform.system()} {platform.release()} {platform.machine()}",
            python=platform.python_version(),
        )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def current_commit(repo: Path) -> str:
    """The checkout's commit (with ``+dirty`` when it has uncommitted changes), or
    ``unknown`` outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


@dataclass
class ResultSet:
    """Every figure of one run, and where and when it ran."""

    machine: Machine
    commit: str
    started: str
    """ISO 8601, UTC."""
    suites: list[str]
    """The suites that ran, in order."""
    figures: list[Figure] = field(default_factory=list)
    quick: bool = False
    """A smoke run (``--quick``): its figures are not comparable with a full run's."""
    series: dict[str, list[float]] = field(default_factory=dict)
    """Raw samples the report plots, by ``suite/name`` (a frame-time benchmark's frame
    times in seconds, a soak's RSS in bytes at each sample); the figures summarise them."""
    problems: list[str] = field(default_factory=list)
    """What went wrong (a suite that failed to run, a benchmark that errored): the run
    goes on and says so here."""

    @staticmethod
    def begin(repo: Path, suites: Iterable[str], quick: bool = False) -> ResultSet:
        """An empty result set for a run starting now on this machine."""
        return ResultSet(
            machine=Machine.this(),
            commit=current_commit(repo),
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            suites=list(suites),
            quick=quick,
        )

    def add(self, figure: Figure) -> None:
        """Add a figure; a second figure of the same key replaces the first."""
        self.figures = [f for f in self.figures if f.key != figure.key]
        self.figures.append(figure)

    def by_key(self) -> dict[str, Figure]:
        """Every figure by ``suite/name``."""
        return {f.key: f for f in self.figures}

    def to_json(self) -> str:
        """The JSON text :func:`load` reads."""
        body = {
            "schema": SCHEMA,
            "machine": asdict(self.machine),
            "commit": self.commit,
            "started": self.started,
            "suites": self.suites,
            "quick": self.quick,
            "problems": self.problems,
            "series": self.series,
            "figures": [{**asdict(f), "extra": dict(f.extra)} for f in self.figures],
        }
        return json.dumps(body, indent=1, sort_keys=True)

    def write(self, path: Path) -> Path:
        """Write atomically (a reader never sees half a file); returns ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(path.suffix + ".part")
        scratch.write_text(self.to_json())
        os.replace(scratch, path)
        return path

    def file_name(self) -> str:
        """``<started>-<commit 12>.json``, sortable by time."""
        stamp = self.started.replace(":", "").replace("-", "").replace("+0000", "Z")
        return f"{stamp}-{self.commit[:12]}.json"


def load(path: Path) -> ResultSet:
    """Read a result set written by :meth:`ResultSet.write` (``ResultSetError`` naming
    the file for anything else)."""
    try:
        body = json.loads(path.read_text())
    except OSError as exc:
        raise ResultSetError(path, f"cannot be read: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ResultSetError(path, f"is not JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(body, dict) or body.get("schema") != SCHEMA:
        found = body.get("schema") if isinstance(body, dict) else None
        raise ResultSetError(path, f"is result-set schema {found!r}, this reader knows {SCHEMA}")
    try:
        figures = []
        for raw in body["figures"]:
            if raw["kind"] not in KINDS:
                raise ResultSetError(path, f"figure {raw.get('name')!r} has kind {raw['kind']!r}")
            figures.append(
                Figure(
                    suite=str(raw["suite"]),
                    name=str(raw["name"]),
                    value=float(raw["value"]),
                    unit=str(raw["unit"]),
                    kind=raw["kind"],
                    size=None if raw.get("size") is None else int(raw["size"]),
                    extra=dict(raw.get("extra", {})),
                )
            )
        return ResultSet(
            machine=Machine(**body["machine"]),
            commit=str(body["commit"]),
            started=str(body["started"]),
            suites=[str(s) for s in body["suites"]],
            figures=figures,
            quick=bool(body.get("quick", False)),
            problems=[str(p) for p in body.get("problems", [])],
            series={
                str(k): [float(v) for v in values] for k, values in body.get("series", {}).items()
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ResultSetError):
            raise
        raise ResultSetError(path, f"is missing or has a malformed field: {exc!r}") from exc
