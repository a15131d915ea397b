"""How well an exported model agrees with the expert policy, measured on the ONNX bytes as
the game runs them (the registry's session options), on held-out rows.

The agreement a model card reports is with the expert's **noise-free** labels: the noise
is in the training labels only, so it neither helps nor hides anything in the figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine_bridge.models.features import ModelSpec
from engine_bridge.models.session import open_session
from engine_bridge.tooling.models.expert_policy import labels_for

__all__ = ["Evaluation", "evaluate", "predict"]


@dataclass(frozen=True)
class Evaluation:
    """Held-out agreement: overall, per class (the share of the expert's rows of that
    class the model also gives it, and how many there were), and with noisy labels."""

    samples: int
    agreement: float
    per_class: dict[str, tuple[float, int]]
    noisy_agreement: float | None


def predict(model: bytes, spec: ModelSpec, rows: np.ndarray) -> np.ndarray:
    """The model's labels for ``rows`` (one batched onnxruntime call)."""
    session = open_session(model)
    label, _ = session.run([spec.label_output, spec.probabilities_output], {spec.input_name: rows})
    return np.asarray(label, np.int64)


def evaluate(
    model: bytes, spec: ModelSpec, rows: np.ndarray, noisy_labels: np.ndarray | None = None
) -> Evaluation:
    """The agreement of ``model`` with the expert's labels of ``rows`` (and with
    ``noisy_labels``, when given: what the noise alone would let it reach)."""
    expert = labels_for(spec.name, rows)
    predicted = predict(model, spec, rows)
    per_class = {}
    for index, name in enumerate(spec.classes):
        of_class = expert == index
        count = int(of_class.sum())
        share = float((predicted[of_class] == index).mean()) if count else 1.0
        per_class[name] = (share, count)
    return Evaluation(
        samples=len(rows),
        agreement=float((predicted == expert).mean()),
        per_class=per_class,
        noisy_agreement=None if noisy_labels is None else float((predicted == noisy_labels).mean()),
    )
