"""Training one NPC decision model on the CPU: scenarios, the expert's labels with noise,
a small multilayer perceptron (scikit-learn), its ONNX export, and its held-out agreement
with the expert as onnxruntime computes it from the exported bytes.

The network is tiny on purpose: ``N_FEATURES -> 32 -> 16 -> classes`` with ReLU is about
1 300 multiply-adds per NPC, so one batched call decides for a thousand NPCs in a fraction
of a frame. It is trained with Adam for a fixed number of epochs (``partial_fit``, one
epoch a call, so the progress bar can follow), with BLAS held to one thread: the machine's
other core stays free, and the sums are taken in one order, so the same seed gives the
same weights and the same ONNX bytes on the same machine and library versions.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine_bridge.models.features import N_FEATURES, ModelSpec
from engine_bridge.tooling.models.evaluation import Evaluation, evaluate
from engine_bridge.tooling.models.expert_policy import NOISE_RATE, add_noise, labels_for
from engine_bridge.tooling.models.onnx_export import export
from engine_bridge.tooling.models.scenarios import HELD_OUT_STREAM, TRAINING_STREAM, generate
from vocal.extras import import_extra

__all__ = ["TrainedModel", "TrainingSettings", "train_model"]

_PURPOSE = "aicore models train"
_NOISE_STREAM = 2  # a seed's stream for the label noise (scenarios.py uses 0 and 1)
_WEIGHTS_STREAM = 3  # and for the network's initial weights and shuffling


@dataclass(frozen=True)
class TrainingSettings:
    """What a training run is made of; the same settings give the same model."""

    seed: int = 1
    samples: int = 60_000
    """Training rows (each model sees the same rows, with its own labels)."""
    epochs: int = 150
    hidden: tuple[int, ...] = (32, 16)
    """The hidden layers' widths."""
    noise_rate: float = NOISE_RATE
    batch_size: int = 256
    learning_rate: float = 3e-3
    l2: float = 1e-4

    @property
    def held_out(self) -> int:
        """Held-out rows, drawn from another stream of the seed than the training rows."""
        return max(5_000, self.samples // 3)


@dataclass(frozen=True)
class TrainedModel:
    """A trained model: its ONNX bytes and the figures its card reports."""

    spec: ModelSpec
    settings: TrainingSettings
    onnx: bytes
    evaluation: Evaluation
    """Held-out agreement with the expert's noise-free labels (and with noisy ones)."""
    train_seconds: float
    layers: tuple[int, ...]
    """Widths from input to output: (22, 32, 16, classes)."""
    label_share: dict[str, float]
    """Each class's share of the (noisy) training labels."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.onnx).hexdigest()

    @property
    def macs_per_npc(self) -> int:
        """Multiply-adds of one row through the dense layers (biases, ReLU and softmax
        are a few hundred more additions and comparisons)."""
        return sum(a * b for a, b in zip(self.layers, self.layers[1:], strict=False))


def _stream_seed(seed: int, stream: int, model: int) -> int:
    return int(np.random.SeedSequence([seed, stream, model]).generate_state(1)[0])


def train_model(
    spec: ModelSpec,
    model_index: int,
    settings: TrainingSettings,
    *,
    on_epoch: Callable[[int], None] | None = None,
    rows: np.ndarray | None = None,
    held_out: np.ndarray | None = None,
) -> TrainedModel:
    """Train ``spec`` (the ``model_index``-th model of the run: its noise and initial
    weights have their own seeds) and export it. ``rows`` and ``held_out`` may be given
    when several models share them (else they are generated from the settings);
    ``on_epoch(done)`` is called after each epoch."""
    neural_network = import_extra("sklearn.neural_network", _PURPOSE)
    threadpoolctl = import_extra("threadpoolctl", _PURPOSE)
    if rows is None:
        rows = generate(settings.samples, settings.seed, TRAINING_STREAM)
    if held_out is None:
        held_out = generate(settings.held_out, settings.seed, HELD_OUT_STREAM)
    classes = len(spec.classes)
    noise_rng = np.random.default_rng(_stream_seed(settings.seed, _NOISE_STREAM, model_index))
    labels = add_noise(labels_for(spec.name, rows), classes, noise_rng, settings.noise_rate)

    network = neural_network.MLPClassifier(
        hidden_layer_sizes=settings.hidden,
        activation="relu",
        solver="adam",
        alpha=settings.l2,
        batch_size=settings.batch_size,
        learning_rate_init=settings.learning_rate,
        random_state=_stream_seed(settings.seed, _WEIGHTS_STREAM, model_index),
    )
    began = time.perf_counter()
    with threadpoolctl.threadpool_limits(limits=1), warnings.catch_warnings():
        # partial_fit is one epoch by design: "not converged" is not news here.
        warnings.simplefilter("ignore", category=UserWarning)
        for epoch in range(settings.epochs):
            network.partial_fit(rows, labels, classes=np.arange(classes))
            if on_epoch is not None:
                on_epoch(epoch + 1)
    seconds = time.perf_counter() - began

    onnx_bytes = export(network, spec)
    noisy_held_out = add_noise(
        labels_for(spec.name, held_out), classes, noise_rng, settings.noise_rate
    )
    evaluation = evaluate(onnx_bytes, spec, held_out, noisy_held_out)
    share = np.bincount(labels, minlength=classes) / len(labels)
    return TrainedModel(
        spec=spec,
        settings=settings,
        onnx=onnx_bytes,
        evaluation=evaluation,
        train_seconds=seconds,
        layers=(N_FEATURES, *settings.hidden, classes),
        label_share={name: float(s) for name, s in zip(spec.classes, share, strict=True)},
    )
