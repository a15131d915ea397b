"""A trained scikit-learn classifier as the ONNX file the game loads (skl2onnx).

The graph takes ``features`` (N, N_FEATURES) float32 and answers ``label`` (N,) int64 and
``probabilities`` (N, classes) float32 -- plain tensors (``zipmap=False``: no list of
dictionaries, which would cost a Python object per NPC). The operator sets are fixed
(:data:`OPSET` for the default domain), so a newer skl2onnx does not silently export for an
onnxruntime the game does not have. The file carries the model's name, its classes and the
feature version in its metadata; nothing that varies between runs (no time, no path) is
written, so the same weights give the same bytes.
"""

from __future__ import annotations

from typing import Any

from engine_bridge.models.features import FEATURE_VERSION, N_FEATURES, ModelSpec
from engine_bridge.models.manifest import BATCH
from vocal.extras import import_extra

__all__ = ["ML_OPSET", "OPSET", "export"]

OPSET = 17
"""The default (ai.onnx) operator set the models are exported for: onnxruntime 1.18 and
later run it."""
ML_OPSET = 1
"""The ai.onnx.ml operator set (the label lookup, ``ArrayFeatureExtractor``)."""

_PURPOSE = "aicore models train"


def export(classifier: Any, spec: ModelSpec) -> bytes:
    """The ONNX bytes of ``classifier`` (a fitted scikit-learn classifier whose classes
    are ``0 .. len(spec.classes) - 1``) as model ``spec``."""
    skl2onnx = import_extra("skl2onnx", _PURPOSE)
    data_types = import_extra("skl2onnx.common.data_types", _PURPOSE)
    onnx = import_extra("onnx", _PURPOSE)
    model = skl2onnx.to_onnx(
        classifier,
        initial_types=[(spec.input_name, data_types.FloatTensorType([None, N_FEATURES]))],
        target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        options={id(classifier): {"zipmap": False}},
    )
    outputs = [output.name for output in model.graph.output]
    expected = [spec.label_output, spec.probabilities_output]
    if outputs != expected:
        raise RuntimeError(f"skl2onnx named the outputs {outputs}, expected {expected}")
    # skl2onnx lists the operator sets in the order of a set of domains, which follows
    # Python's per-process string hashing: sorted, the same weights give the same bytes.
    opsets = sorted((o.domain, o.version) for o in model.opset_import)
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.add(domain=domain, version=version)
    model.graph.name = spec.name
    model.doc_string = f"AI Core NPC model {spec.name}: {spec.meaning}"
    # The batch dimension by name, as the manifest writes it.
    for value in (*model.graph.input, *model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = BATCH
    metadata = {
        "aicore.model": spec.name,
        "aicore.classes": ",".join(spec.classes),
        "aicore.feature_version": str(FEATURE_VERSION),
    }
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model, full_check=True)
    return bytes(model.SerializeToString())
