"""``aicore check``: this module only registers the command with the CLI (one module per
command here); the check itself is the package :mod:`engine_bridge.tooling.check`."""

from __future__ import annotations

from engine_bridge.tooling.check.command import HELP, NAME, add_arguments, run

__all__ = ["HELP", "NAME", "add_arguments", "run"]
