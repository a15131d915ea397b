"""The checked-in thresholds file (``tests/bench/thresholds.toml``): per figure, how much
worse it may get before a comparison calls it a regression, which direction is worse,
and whether it gates; the targets the docs name; and the scaling warning.

Only ``instructions`` and ``ratio`` figures gate (:data:`GATEABLE`): they hold on a shared
machine. A rule that asks to gate any other kind is read as not gating, and the table says
so: wall times swung 2.4x between two runs here.

Rules are matched on a figure's key (``suite/name``) with shell patterns
(``models/per_npc_loop.per_npc_over_*``), the first match in file order winning; a figure
no rule matches takes its kind's ``[defaults]``. Every error names the file, the entry
and the field (:class:`ThresholdsError`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal, cast

from engine_bridge.tooling.bench.result_set import KINDS, Figure

__all__ = [
    "DEFAULT_FILE",
    "GATEABLE",
    "Rule",
    "Target",
    "Thresholds",
    "ThresholdsError",
    "load_thresholds",
]

DEFAULT_FILE = Path("tests") / "bench" / "thresholds.toml"
GATEABLE = frozenset({"instructions", "ratio"})
OPS = ("<=", ">=", "<", ">")


class ThresholdsError(ValueError):
    """A thresholds file that cannot be used: ``file``, ``entry`` and ``reason``."""

    def __init__(self, file: Path, entry: str, reason: str) -> None:
        super().__init__(f"{file}: {entry}: {reason}")
        self.file = file
        self.entry = entry
        self.reason = reason


@dataclass(frozen=True)
class Rule:
    """How a figure is compared: past ``threshold`` (0.25: 25% worse) in the
    ``worse_when`` direction it regresses, if it ``gate``s."""

    pattern: str
    threshold: float
    worse_when: Literal["higher", "lower"]
    gate: bool
    why: str = ""


@dataclass(frozen=True)
class Target:
    """A target a document names: figure ``key`` ``op`` ``value`` (``unit``), written in
    ``source``."""

    key: str
    op: Literal["<=", ">=", "<", ">"]
    value: float
    unit: str
    source: str
    what: str = ""


@dataclass(frozen=True)
class Thresholds:
    """The whole file, read."""

    defaults: Mapping[str, Rule]
    rules: tuple[Rule, ...]
    targets: tuple[Target, ...]
    linear_above: float
    not_linear: tuple[str, ...]

    def rule_for(self, figure: Figure) -> Rule:
        """The rule of ``figure``: the first matching entry, else its kind's default; a
        kind that may not gate never gates."""
        rule = next(
            (r for r in self.rules if fnmatchcase(figure.key, r.pattern)),
            self.defaults[figure.kind],
        )
        if rule.gate and figure.kind not in GATEABLE:
            return Rule(rule.pattern, rule.threshold, rule.worse_when, False, rule.why)
        return rule

    def expects_linear(self, key: str) -> bool:
        """Whether the series of ``key`` (an exponent figure) should grow linearly."""
        return not any(fnmatchcase(key, pattern) for pattern in self.not_linear)


def _rule(file: Path, entry: str, raw: object, pattern: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise ThresholdsError(file, entry, "must be a table")
    try:
        threshold = float(raw["threshold"])
        worse = raw["worse_when"]
        gate = raw["gate"]
    except KeyError as exc:
        raise ThresholdsError(file, entry, f"field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError):
        raise ThresholdsError(file, entry, "field 'threshold' must be a number") from None
    if threshold <= 0:
        raise ThresholdsError(file, entry, f"field 'threshold' must be above 0, got {threshold}")
    if worse not in ("higher", "lower"):
        raise ThresholdsError(file, entry, f"field 'worse_when' must be higher or lower: {worse!r}")
    if not isinstance(gate, bool):
        raise ThresholdsError(file, entry, f"field 'gate' must be true or false: {gate!r}")
    return Rule(pattern, threshold, worse, gate, str(raw.get("why", "")))


def _target(file: Path, index: int, raw: object) -> Target:
    entry = f"target {index + 1}"
    if not isinstance(raw, Mapping):
        raise ThresholdsError(file, entry, "must be a table")
    for name in ("key", "op", "value", "unit", "source"):
        if name not in raw:
            raise ThresholdsError(file, entry, f"field {name!r} is missing")
    if raw["op"] not in OPS:
        raise ThresholdsError(file, entry, f"field 'op' must be one of {OPS}: {raw['op']!r}")
    if not isinstance(raw["value"], int | float):
        raise ThresholdsError(file, entry, "field 'value' must be a number")
    return Target(
        key=str(raw["key"]),
        op=cast(Literal["<=", ">=", "<", ">"], raw["op"]),
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        source=str(raw["source"]),
        what=str(raw.get("what", "")),
    )


def load_thresholds(file: Path) -> Thresholds:
    """Read and check a thresholds file."""
    try:
        body = tomllib.loads(file.read_text())
    except OSError as exc:
        raise ThresholdsError(file, "file", f"cannot be read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdsError(file, "file", f"is not TOML: {exc}") from None
    raw_defaults = body.get("defaults", {})
    defaults = {}
    for kind in KINDS:
        if kind not in raw_defaults:
            raise ThresholdsError(file, "defaults", f"no default for the kind {kind!r}")
        defaults[kind] = _rule(file, f"defaults.{kind}", raw_defaults[kind], "*")
    rules = []
    for i, raw in enumerate(body.get("threshold", [])):
        if not isinstance(raw, Mapping) or "key" not in raw:
            raise ThresholdsError(file, f"threshold {i + 1}", "field 'key' is missing")
        rules.append(_rule(file, f"threshold {i + 1} ({raw['key']})", raw, str(raw["key"])))
    targets = tuple(_target(file, i, raw) for i, raw in enumerate(body.get("target", [])))
    scaling = body.get("scaling", {})
    try:
        linear_above = float(scaling.get("linear_above", 1.3))
        not_linear = tuple(str(p) for p in scaling.get("not_linear", []))
    except (TypeError, ValueError):
        raise ThresholdsError(file, "scaling", "linear_above must be a number") from None
    return Thresholds(defaults, tuple(rules), targets, linear_above, not_linear)
