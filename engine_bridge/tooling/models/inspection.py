"""What ``aicore models list``, ``verify`` and ``explain`` print (the command module parses
the arguments and calls these)."""

from __future__ import annotations

import argparse
import hashlib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine_bridge.models.features import (
    ARCHETYPES,
    FEATURES,
    KIND_ARCHETYPES,
    MODELS,
    column,
    neutral_row,
)
from engine_bridge.models.manifest import ManifestEntry, layered_manifest
from engine_bridge.models.onnx_header import OnnxHeaderError, opsets
from engine_bridge.models.registry import ModelRegistry
from engine_bridge.tooling.models.expert_policy import labels_for

__all__ = ["explain", "feature_setting", "list_models", "verify"]


def _file_facts(entry: ManifestEntry) -> tuple[str, str, str]:
    """(size, sha256 check, opset) of the entry's file, as list shows them."""
    try:
        data = entry.path.read_bytes()
    except OSError:
        return "-", "MISSING", str(entry.opset)
    sha = "ok" if hashlib.sha256(data).hexdigest() == entry.sha256 else "BAD"
    try:
        opset = str(opsets(data).get("ai.onnx", "?"))
    except OnnxHeaderError:
        opset = "?"
    return f"{len(data)}", sha, opset


def list_models(roots: Sequence[Path]) -> int:
    """One line per model the manifests list: name, file, size in bytes, whether the
    file's SHA-256 is the manifest's, and the opset the file declares. Exit status 0."""
    entries, problems = layered_manifest(roots)
    rows = [("name", "file", "bytes", "sha256", "opset")]
    for entry in entries.values():
        rows.append((entry.name, str(entry.path), *_file_facts(entry)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if not entries:
        print("no manifest of the content roots lists a model")
    for problem in problems:
        print(f"MANIFEST  {problem}")
    return 0


def verify(roots: Sequence[Path]) -> int:
    """Load every model as the game does; ``ok`` or ``BAD`` per model, and each problem
    (file, field, reason). Exit status 1 when any model is off or a manifest is bad."""
    registry = ModelRegistry(roots)
    for name, entry in registry.entries.items():
        if registry.get(name) is not None:
            print(f"ok   {name}  {entry.path}")
        else:
            error = registry.off[name]
            field = f" [{error.field}]" if error.field else ""
            print(f"BAD  {name}  {error.file}{field}: {error.reason}")
    for problem in registry.errors:
        if problem.table_id not in registry.off:
            print(f"BAD  manifest  {problem}")
    if not registry.entries and not registry.errors:
        print("no manifest of the content roots lists a model")
    return 1 if registry.errors else 0


def feature_setting(text: str) -> tuple[str, float | str]:
    """One ``--features`` item: ``name=value`` for a feature of features.py (a number), or
    ``archetype=NAME`` / ``kind=KIND`` (sets the archetype's one-hot). ``argparse``'s type."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    if name == "archetype":
        if value not in ARCHETYPES:
            raise argparse.ArgumentTypeError(f"archetype must be one of {', '.join(ARCHETYPES)}")
        return name, value
    if name == "kind":
        if value not in KIND_ARCHETYPES:
            known = ", ".join(sorted(KIND_ARCHETYPES))
            raise argparse.ArgumentTypeError(f"kind must be one of {known}")
        return "archetype", KIND_ARCHETYPES[value]
    try:
        column(name)
    except KeyError:
        known = ", ".join(f.name for f in FEATURES)
        raise argparse.ArgumentTypeError(
            f"unknown feature {name!r} (features: archetype, kind, {known})"
        ) from None
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{name} must be finite, got {value!r}")
    return name, number


def _row(settings: Sequence[tuple[str, float | str]]) -> tuple[np.ndarray, set[str]]:
    row = neutral_row()
    given: set[str] = set()
    for name, value in settings:
        if name == "archetype":
            first = column(f"archetype_{ARCHETYPES[0]}")
            row[first : first + len(ARCHETYPES)] = 0.0
            row[column(f"archetype_{value}")] = 1.0
            given.update(f"archetype_{a}" for a in ARCHETYPES)
        else:
            row[column(name)] = float(value)
            given.add(name)
    return row, given


def explain(roots: Sequence[Path], name: str, settings: Sequence[tuple[str, float | str]]) -> int:
    """Model ``name``'s inputs (with the row's values), outputs, and its decision and
    probabilities for the row; exit status 1 when the model is off."""
    registry = ModelRegistry(roots, names=[name])
    model = registry.get(name)
    if model is None:
        error = registry.off[name]
        print(f"{name} is off: {error}")
        return 1
    spec = MODELS.get(name)
    print(f"{name}: {spec.meaning if spec else 'a model of the content roots'}")
    print(f"file {model.entry.path} ({model.size} bytes, opset {model.entry.opset})")
    row, given = _row(settings)
    if not any(f"archetype_{a}" in given for a in ARCHETYPES):
        print("note: no archetype given (archetype=NAME or kind=KIND): every archetype")
        print("      feature is 0, a row the model never saw in training")
    print()
    print(f"input {model.input_name!r}, one row per NPC ('*' given, else neutral):")
    for index, feature in enumerate(FEATURES):
        mark = "*" if feature.name in given else " "
        print(
            f"  {index:>2} {feature.name:<22}{mark}{row[index]:>8.3f}  "
            f"{feature.meaning}; {feature.scale}"
        )
    labels, probabilities = model.run(row[None, :])
    decision = model.classes[int(labels[0])]
    print()
    print(
        f"outputs: {model.entry.outputs[0].name!r} (the class index), "
        f"{model.entry.outputs[1].name!r} (each class's probability)"
    )
    order = np.argsort(-probabilities[0], kind="stable")
    for index in order:
        print(f"  {model.classes[index]:<10}{probabilities[0, index]:>7.1%}")
    print(f"decision: {decision}")
    if spec is not None:
        expert = spec.classes[int(labels_for(name, row[None, :])[0])]
        print(f"the expert policy says: {expert}")
    return 0
