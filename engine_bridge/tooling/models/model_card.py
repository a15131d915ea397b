"""A trained model's card, ``<name>.card.md`` beside its ONNX file: what it reads, what it
answers, how it was made and how well it agrees with the expert policy."""

from __future__ import annotations

from importlib import metadata

from engine_bridge.models.features import FEATURE_VERSION, FEATURES, N_FEATURES
from engine_bridge.tooling.models.onnx_export import ML_OPSET, OPSET
from engine_bridge.tooling.models.training import TrainedModel

__all__ = ["render_card"]

_LIBRARIES = ("scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy")


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _versions() -> str:
    found = []
    for name in _LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def render_card(model: TrainedModel) -> str:
    """The card's Markdown."""
    spec, settings, evaluation = model.spec, model.settings, model.evaluation
    architecture = " → ".join(str(width) for width in model.layers)
    hidden = ", ".join(str(h) for h in settings.hidden)
    lines = [
        f"# {spec.name}: {spec.meaning}",
        "",
        f"Written by `aicore models train --seed {settings.seed} --samples {settings.samples}"
        f" --epochs {settings.epochs}`",
        "(docs/models.md); the trainer rewrites it with the model, so edits here do not last.",
        "",
        "| | |",
        "|---|---|",
        f"| file | `{spec.name}.onnx` |",
        f"| size | {_thousands(len(model.onnx))} bytes |",
        f"| SHA-256 | `{model.sha256}` |",
        f"| operator sets | ai.onnx {OPSET}, ai.onnx.ml {ML_OPSET} |",
        f"| feature version | {FEATURE_VERSION} |",
        f"| network | multilayer perceptron {architecture} (hidden layers {hidden}, ReLU;"
        " softmax out) |",
        f"| multiply-adds per NPC | {_thousands(model.macs_per_npc)} |",
        f"| seed | {settings.seed} |",
        f"| training samples | {_thousands(settings.samples)} scenarios, labelled by the expert"
        f" policy with {settings.noise_rate:.0%} label noise |",
        f"| training | {settings.epochs} epochs of Adam (batch {settings.batch_size}, learning"
        f" rate {settings.learning_rate:g}, L2 {settings.l2:g}), one CPU thread |",
        f"| training time | {model.train_seconds:.1f} s |",
        f"| held-out samples | {_thousands(evaluation.samples)} (another stream of the seed) |",
        f"| **held-out agreement with the expert policy** (noise-free labels) |"
        f" **{evaluation.agreement:.2%}** |",
    ]
    if evaluation.noisy_agreement is not None:
        lines.append(
            f"| held-out agreement with noisy labels (for comparison) |"
            f" {evaluation.noisy_agreement:.2%} |"
        )
    lines += [
        f"| made with | {_versions()} |",
        "",
        "## Inputs",
        "",
        f"`{spec.input_name}`: (N, {N_FEATURES}) float32, one row per NPC, in this order"
        " (`engine_bridge/models/features.py`):",
        "",
        "| # | feature | meaning | scale |",
        "|---|---|---|---|",
    ]
    lines += [f"| {i} | `{f.name}` | {f.meaning} | {f.scale} |" for i, f in enumerate(FEATURES)]
    lines += [
        "",
        "## Outputs",
        "",
        f"* `{spec.label_output}`: (N,) int64, the decision, an index into the classes below;",
        f"* `{spec.probabilities_output}`: (N, {len(spec.classes)}) float32, each class's"
        " probability (rows sum to 1).",
        "",
        "| index | class | share of training labels | held-out agreement (expert's rows) |",
        "|---|---|---|---|",
    ]
    for index, name in enumerate(spec.classes):
        share, rows = evaluation.per_class[name]
        lines.append(
            f"| {index} | {name} | {model.label_share[name]:.1%} | {share:.2%}"
            f" ({_thousands(rows)}) |"
        )
    return "\n".join(lines) + "\n"
