"""``aicore doctor``: one line per part the runtime needs, then one per content system (voice
lines, dialogue, story, knowledge: ``OFF`` with the reason when one cannot start); exit 1 if a
required part is missing."""

from __future__ import annotations

import argparse

from engine_bridge.tooling.cli.argument_types import add_content_roots
from engine_bridge.tooling.environment_check import run_checks

NAME = "doctor"
HELP = "check that every native and Python part is present and report versions and paths"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_content_roots(parser, "the content systems start over them")


def run(args: argparse.Namespace) -> int:
    checks = run_checks(args.content)
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{c.status:<8}{c.name:<{width}}  {c.detail}")
    missing = [c.name for c in checks if c.required and not c.ok]
    if missing:
        print(f"\n{len(missing)} required part(s) missing: {', '.join(missing)}")
        print("Run `make demo` (or `make test`) at the repository root to install them.")
        return 1
    return 0
