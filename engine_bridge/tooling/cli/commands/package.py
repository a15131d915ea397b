"""``aicore package --out DIR``: the relocatable runtime a game ships (``docs/packaging.md``).

Builds the native parts with ``$ORIGIN`` RPATHs (incremental, in ``build/package``), then
assembles DIR: ``bin/aicore-host``, ``lib/`` (libaicore, libpython, the system libraries the
rest needs), ``python/`` (the trimmed standard library and the game's site-packages),
``content/`` and ``npc_scripts/``. Run from the source tree (``--repo`` says where else).
Exit status: 0 built (its size and contents printed), 1 refused (the step and why).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "package"
HELP = "build the relocatable runtime a game ships into DIR (docs/packaging.md)"

_MEBIBYTE = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the package folder")
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="the AI Core source tree (default: the current folder)",
    )
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel compile jobs")


def run(args: argparse.Namespace) -> int:
    from engine_bridge.tooling.packaging import PackageError, build_package

    try:
        report = build_package(args.out, args.repo.resolve(), jobs=args.jobs)
    except PackageError as error:
        print(f"aicore package: {error.step}: {error.reason}", file=sys.stderr)
        return 1
    print(f"aicore package: {report.folder} ({report.size_bytes / _MEBIBYTE:.0f} MiB)")
    for dist in report.distributions:
        print(f"  {dist.name} {dist.version}  ({dist.licence})")
    if report.bundled_libraries:
        print(f"  system libraries bundled in lib/: {', '.join(report.bundled_libraries)}")
    return 0
