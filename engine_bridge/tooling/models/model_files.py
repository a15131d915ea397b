"""Writing trained models into a models folder: ``<name>.onnx``, ``<name>.card.md`` and
their entries in ``manifest.toml`` (other models' entries are kept).

Each file is written to a temporary name and renamed over the old one, so a reader (a
running game, a test) never sees half a model; the manifest is written last, so it never
names bytes that are not there yet.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine_bridge.content.layers import ContentError
from engine_bridge.models.features import FEATURE_VERSION, N_FEATURES
from engine_bridge.models.manifest import MANIFEST, ManifestEntry, TensorSpec, read_manifest, render
from engine_bridge.tooling.models.model_card import render_card
from engine_bridge.tooling.models.onnx_export import OPSET
from engine_bridge.tooling.models.training import TrainedModel

__all__ = ["manifest_entry", "write_models"]


def manifest_entry(model: TrainedModel, folder: Path) -> ManifestEntry:
    """The manifest entry of ``model`` written into ``folder``."""
    spec = model.spec
    return ManifestEntry(
        name=spec.name,
        file=f"{spec.name}.onnx",
        sha256=model.sha256,
        opset=OPSET,
        feature_version=FEATURE_VERSION,
        classes=spec.classes,
        inputs=(TensorSpec(spec.input_name, (None, N_FEATURES), "float32"),),
        outputs=(
            TensorSpec(spec.label_output, (None,), "int64"),
            TensorSpec(spec.probabilities_output, (None, len(spec.classes)), "float32"),
        ),
        manifest=folder / MANIFEST,
    )


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_models(models: list[TrainedModel], folder: Path) -> list[ContentError]:
    """Write ``models`` into ``folder`` (made if missing). Returns the problems of the
    manifest that was there (its unreadable entries are dropped, and named here)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / MANIFEST
    kept: dict[str, ManifestEntry] = {}
    problems: list[ContentError] = []
    if manifest.is_file():
        entries, problems = read_manifest(manifest)
        kept = {entry.name: entry for entry in entries}
    for model in models:
        _replace(folder / f"{model.spec.name}.onnx", model.onnx)
        _replace(folder / f"{model.spec.name}.card.md", render_card(model).encode("utf-8"))
        kept[model.spec.name] = manifest_entry(model, folder)
    _replace(manifest, render(kept.values()).encode("utf-8"))
    return problems
