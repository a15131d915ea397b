"""``aicore models train``: every shipped model trained from one seed, with a progress bar
(rich, on stderr), written into a models folder with its card and manifest entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine_bridge.models.features import MODELS
from engine_bridge.tooling.models.model_files import write_models
from engine_bridge.tooling.models.scenarios import HELD_OUT_STREAM, TRAINING_STREAM, generate
from engine_bridge.tooling.models.training import TrainedModel, TrainingSettings, train_model
from vocal.extras import import_extra

__all__ = ["train_all"]

_PURPOSE = "aicore models train"


def train_all(
    settings: TrainingSettings, out: Path, names: Sequence[str] = tuple(MODELS)
) -> list[TrainedModel]:
    """Train the models ``names`` (default: all of :data:`MODELS`) on one set of scenarios
    and write them into ``out``; prints a line per model and the manifest's problems."""
    progress_module = import_extra("rich.progress", _PURPOSE)
    console_module = import_extra("rich.console", _PURPOSE)
    console = console_module.Console(stderr=True)
    rows = generate(settings.samples, settings.seed, TRAINING_STREAM)
    held_out = generate(settings.held_out, settings.seed, HELD_OUT_STREAM)
    trained: list[TrainedModel] = []
    columns = (
        progress_module.TextColumn("{task.description:<12}"),
        progress_module.BarColumn(),
        progress_module.MofNCompleteColumn(),
        progress_module.TextColumn("epochs"),
        progress_module.TimeElapsedColumn(),
    )
    with progress_module.Progress(*columns, console=console) as progress:
        for name in names:
            spec = MODELS[name]
            task = progress.add_task(name, total=settings.epochs)

            def advance(done: int, task: int = task) -> None:
                progress.update(task, completed=done)

            index = list(MODELS).index(name)
            trained.append(
                train_model(spec, index, settings, on_epoch=advance, rows=rows, held_out=held_out)
            )
    problems = write_models(trained, out)
    for model in trained:
        print(
            f"{model.spec.name}: {len(model.onnx)} bytes, sha256 {model.sha256}, "
            f"held-out agreement {model.evaluation.agreement:.2%} "
            f"({model.evaluation.samples} rows), {model.macs_per_npc} multiply-adds per NPC, "
            f"trained in {model.train_seconds:.1f} s"
        )
    print(f"wrote {len(trained)} model(s), their cards and {out / 'manifest.toml'}")
    for problem in problems:
        print(f"dropped from the old manifest: {problem}")
    return trained
