"""``aicore models list|verify|train|explain``: the NPC decision models (docs/models.md).

``list`` shows each model of the content roots' manifests (file, size, SHA-256 check,
opset); ``verify`` loads each as the game does and exits 1 naming every model that would
be off; ``train`` trains the shipped models from a seed and writes them, their cards and
the manifest; ``explain NAME`` shows a model's inputs and outputs and its decision for a
feature row given as ``--features k=v ...`` (unspecified features take their neutral
value). Exit status: 0 done, 1 a model is bad (or explain's model is off), 2 a usage
mistake.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine_bridge.content.layers import normalize_roots
from engine_bridge.models.features import MODELS
from engine_bridge.tooling.cli.argument_types import add_content_roots, positive_int
from engine_bridge.tooling.models.inspection import explain, feature_setting, list_models, verify
from engine_bridge.tooling.models.training import TrainingSettings
from vocal.content import content_root
from vocal.extras import MissingExtraError

NAME = "models"
HELP = "list, verify, train and explain the NPC decision models (ONNX)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="each model of the manifests: file, size, SHA-256 check, opset"
    )
    add_content_roots(listing, "the models are read from them")
    verify = actions.add_parser(
        "verify", help="load every model as the game does; exit 1 naming each bad one"
    )
    add_content_roots(verify, "the models are read from them")
    explain = actions.add_parser(
        "explain", help="a model's inputs and outputs, and its decision for a feature row"
    )
    explain.add_argument("name", help="the model (npc_action, npc_mood, ...)")
    explain.add_argument(
        "--features",
        nargs="+",
        default=[],
        type=feature_setting,
        metavar="K=V",
        help="feature values (names as 'explain' lists them; archetype=NAME or kind=KIND "
        "for the archetype); the others take their neutral value",
    )
    add_content_roots(explain, "the models are read from them")
    defaults = TrainingSettings()
    train = actions.add_parser(
        "train", help="train the shipped models from a seed; write them, their cards, manifest"
    )
    train.add_argument("--seed", type=int, default=defaults.seed, help=f"default {defaults.seed}")
    train.add_argument(
        "--samples",
        type=positive_int,
        default=defaults.samples,
        metavar="N",
        help=f"training scenarios (default {defaults.samples})",
    )
    train.add_argument(
        "--epochs",
        type=positive_int,
        default=defaults.epochs,
        metavar="E",
        help=f"passes over the scenarios (default {defaults.epochs})",
    )
    train.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="the models folder to write (default: the shipped content's models/)",
    )
    train.add_argument(
        "--model",
        action="append",
        choices=sorted(MODELS),
        help="train only this model, repeatable (default: all)",
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "train":
        try:
            return _train(args)
        except MissingExtraError as missing:
            print(f"aicore models: {missing}", file=sys.stderr)
            return 1
    roots = normalize_roots(args.content or [content_root()])
    if args.action == "list":
        return list_models(roots)
    if args.action == "verify":
        return verify(roots)
    return explain(roots, args.name, args.features)


def _train(args: argparse.Namespace) -> int:
    from engine_bridge.tooling.models.train_run import train_all

    settings = TrainingSettings(seed=args.seed, samples=args.samples, epochs=args.epochs)
    out = args.out if args.out is not None else content_root() / "models"
    train_all(settings, out, args.model or tuple(MODELS))
    return 0
