"""The model registry (engine_bridge/models/registry.py) on copies of the shipped models:
every way a model can be bad turns that model off with a ContentError naming the file and
the field, and leaves the other model running; content roots layer."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_python

from engine_bridge.content.layers import ContentError
from engine_bridge.models.features import N_FEATURES, neutral_row
from engine_bridge.models.manifest import ManifestEntry, TensorSpec, read_manifest, render
from engine_bridge.models.registry import ModelRegistry
from engine_bridge.models.session import SESSION_CONFIG

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "content" / "models"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A content root holding a copy of the shipped models and their manifest."""
    shutil.copytree(SHIPPED, tmp_path / "root" / "models")
    return tmp_path / "root"


def _edit_entry(root: Path, name: str, change: Callable[[ManifestEntry], ManifestEntry]) -> None:
    path = root / "models" / "manifest.toml"
    entries, errors = read_manifest(path)
    assert not errors
    path.write_text(render(change(e) if e.name == name else e for e in entries))


def _sha_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _only_error(registry: ModelRegistry, name: str) -> ContentError:
    assert registry.get(name) is None
    assert list(registry.off) == [name]
    assert len(registry.errors) == 1
    error = registry.errors[0]
    assert registry.off[name] is error
    assert error.table_id == name
    return error


def _the_other_still_decides(registry: ModelRegistry, name: str) -> None:
    model = registry.get(name)
    assert model is not None
    label, probabilities = model.run(np.stack([neutral_row()] * 3))
    assert label.shape == (3,)
    assert probabilities.shape == (3, len(model.classes))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_the_shipped_models_load_and_decide_with_the_documented_session_options() -> None:
    registry = ModelRegistry(REPO / "content")
    assert registry.errors == []
    assert sorted(registry.loaded) == ["npc_action", "npc_mood"]
    for name in ("npc_action", "npc_mood"):
        model = registry.get(name)
        assert model is not None
        assert model.size == (SHIPPED / f"{name}.onnx").stat().st_size
        options = model.session.get_session_options()
        assert options.intra_op_num_threads == 1
        assert options.inter_op_num_threads == 1
        assert str(options.execution_mode).endswith("ORT_SEQUENTIAL")
        assert str(options.graph_optimization_level).endswith("ORT_ENABLE_ALL")
        for key, value in SESSION_CONFIG.items():
            assert options.get_session_config_entry(key) == value == "0"
        assert model.session.get_providers() == ["CPUExecutionProvider"]
        _the_other_still_decides(registry, name)


def test_a_missing_file_turns_its_model_off_naming_the_file(root: Path) -> None:
    (root / "models" / "npc_action.onnx").unlink()
    registry = ModelRegistry(root)
    error = _only_error(registry, "npc_action")
    assert error.file == root / "models" / "npc_action.onnx"
    assert error.field == "file"
    assert "missing" in error.reason
    _the_other_still_decides(registry, "npc_mood")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "one_byte_flipped"])
def test_a_damaged_file_fails_its_sha256(root: Path, damage: str) -> None:
    path = root / "models" / "npc_mood.onnx"
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(np.random.default_rng(1).bytes(len(data)))
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    registry = ModelRegistry(root)
    error = _only_error(registry, "npc_mood")
    assert error.file == path
    assert error.field == "sha256"
    assert _sha_of(path) in error.reason
    _the_other_still_decides(registry, "npc_action")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_file_whose_manifest_matches_it_is_refused_as_not_a_model(
    root: Path, damage: str
) -> None:
    # A layer that shipped bad bytes with their own hash: the checks after the hash catch it.
    path = root / "models" / "npc_mood.onnx"
    data = path.read_bytes()
    corrupt = {
        "garbage": np.random.default_rng(2).bytes(len(data)),
        "truncated": data[: len(data) * 2 // 3],
        "empty": b"",
    }[damage]
    path.write_bytes(corrupt)
    _edit_entry(root, "npc_mood", lambda e: dataclasses.replace(e, sha256=_sha_of(path)))
    registry = ModelRegistry(root)
    error = _only_error(registry, "npc_mood")
    assert error.file == path
    assert error.field is None  # the file as a whole
    assert "not an ONNX model" in error.reason or "onnxruntime cannot load it" in error.reason
    _the_other_still_decides(registry, "npc_action")


def test_a_manifest_sha256_that_is_not_the_files_turns_the_model_off(root: Path) -> None:
    _edit_entry(root, "npc_action", lambda e: dataclasses.replace(e, sha256="0" * 64))
    error = _only_error(ModelRegistry(root), "npc_action")
    assert (error.file.name, error.field) == ("npc_action.onnx", "sha256")


def test_a_file_whose_outputs_are_not_the_manifests_is_refused(root: Path) -> None:
    # The mood model's file under the action model's name: 5 probabilities, not 6.
    models = root / "models"
    shutil.copyfile(models / "npc_mood.onnx", models / "npc_action.onnx")
    sha = _sha_of(models / "npc_action.onnx")
    _edit_entry(root, "npc_action", lambda e: dataclasses.replace(e, sha256=sha))
    registry = ModelRegistry(root)
    error = _only_error(registry, "npc_action")
    assert error.file == models / "npc_action.onnx"
    assert error.field == "outputs"
    assert "'probabilities' [N, 5] float32" in error.reason
    assert "'probabilities' [N, 6] float32" in error.reason
    _the_other_still_decides(registry, "npc_mood")


def test_a_manifest_input_shape_this_build_does_not_gather_is_refused(root: Path) -> None:
    wrong = (TensorSpec("features", (None, N_FEATURES - 1), "float32"),)
    _edit_entry(root, "npc_action", lambda e: dataclasses.replace(e, inputs=wrong))
    error = _only_error(ModelRegistry(root), "npc_action")
    assert error.file == root / "models" / "manifest.toml"
    assert error.field == "inputs"
    assert f"[N, {N_FEATURES}]" in error.reason


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opset": 13}, "opset"),
        ({"feature_version": 99}, "feature_version"),
        ({"classes": ("idle", "wander", "stalk", "attack", "flee", "dance")}, "classes"),
    ],
)
def test_an_opset_feature_version_or_class_mismatch_is_refused(
    root: Path, change: dict[str, object], field: str
) -> None:
    _edit_entry(root, "npc_action", lambda e: dataclasses.replace(e, **change))
    error = _only_error(ModelRegistry(root), "npc_action")
    assert error.field == field


def test_a_broken_manifest_is_an_error_naming_it_and_no_model_loads(root: Path) -> None:
    manifest = root / "models" / "manifest.toml"
    manifest.write_text("[[model]]\nname = 'npc_action'\nfile = \n")
    registry = ModelRegistry(root)
    assert registry.loaded == {}
    assert [e.file for e in registry.errors] == [manifest]
    assert registry.errors[0].line == 3
    assert registry.get("npc_action") is None


def test_a_bad_entry_leaves_the_other_entries_of_its_manifest(root: Path) -> None:
    manifest = root / "models" / "manifest.toml"
    manifest.write_text(manifest.read_text().replace('file = "npc_mood.onnx"', 'file = "../x"'))
    registry = ModelRegistry(root)
    assert sorted(registry.loaded) == ["npc_action"]
    assert registry.errors[0].field == "file"
    assert registry.errors[0].table_id == "npc_mood"


def test_asking_for_a_model_no_manifest_lists_is_an_error_once(root: Path) -> None:
    registry = ModelRegistry(root)
    assert registry.get("npc_gossip") is None
    assert registry.get("npc_gossip") is None
    assert len(registry.errors) == 1
    assert registry.errors[0].table_id == "npc_gossip"


def test_a_later_root_replaces_a_model_and_its_file_comes_from_that_root(
    root: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine" / "models"
    mine.mkdir(parents=True)
    shutil.copyfile(root / "models" / "npc_mood.onnx", mine / "npc_mood.onnx")
    entries, _ = read_manifest(root / "models" / "manifest.toml")
    (mine / "manifest.toml").write_text(render(e for e in entries if e.name == "npc_mood"))
    registry = ModelRegistry([root, mine.parent])
    assert registry.errors == []
    assert registry.get("npc_mood").entry.path == mine / "npc_mood.onnx"
    assert registry.get("npc_action").entry.path == root / "models" / "npc_action.onnx"
    # A later root's broken copy turns the model off: it replaced the earlier entry.
    (mine / "npc_mood.onnx").write_bytes(b"not a model")
    registry = ModelRegistry([root, mine.parent])
    assert registry.off["npc_mood"].file == mine / "npc_mood.onnx"


def test_without_onnxruntime_every_model_is_off_naming_the_models_extra(repo: Path) -> None:
    code = (
        "from engine_bridge.models.registry import ModelRegistry\n"
        "registry = ModelRegistry('content')\n"
        "print(registry.get('npc_action'), sorted(registry.off))\n"
        "print(registry.off['npc_action'].reason)\n"
    )
    out = run_python(code, cwd=repo, missing=["onnxruntime"])
    assert out.returncode == 0, out.stderr
    first, reason = out.stdout.splitlines()
    assert first == "None ['npc_action', 'npc_mood']"
    assert "pip install aicore[models]" in reason


def test_a_model_left_out_of_names_loads_when_first_asked_for(root: Path) -> None:
    (root / "models" / "npc_mood.onnx").write_bytes(b"broken")
    registry = ModelRegistry(root, names=["npc_action"])
    assert sorted(registry.loaded) == ["npc_action"]
    assert registry.errors == []  # the mood model was not looked at yet
    assert registry.get("npc_mood") is None
    assert registry.off["npc_mood"].field == "sha256"
