"""The ``aicore`` command line.

Each subcommand is one module in :mod:`engine_bridge.tooling.cli.commands` that defines

* ``NAME`` and ``HELP`` (strings),
* ``add_arguments(parser)`` to declare its options,
* ``run(args) -> int`` returning the exit status.

Adding a file there adds a command; no other file changes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine_bridge import __version__
from engine_bridge.tooling.module_discovery import submodules

__all__ = ["build_parser", "main"]


def _version_line() -> str:
    try:
        from vocal import _native

        native = _native.version()
    except ImportError as exc:
        native = f"missing ({exc})"
    return f"aicore {__version__} (native voice core {native})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aicore",
        description="AI Core: run, check and measure the embedded game scripting runtime.",
    )
    parser.add_argument("--version", action="version", version=_version_line())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from engine_bridge.tooling.cli import commands

    for module in submodules(commands):
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words:
        # A command that is another program's front (aicore gateway) takes its words as
        # they are: its options are that program's, not ours.
        from engine_bridge.tooling.cli import commands

        for module in submodules(commands):
            if words[0] == module.NAME and hasattr(module, "run_words"):
                return int(module.run_words(words[1:]))
    parser = build_parser()
    args = parser.parse_args(words)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 2
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("aicore: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
