"""One module per ``aicore`` subcommand (see :mod:`engine_bridge.tooling.cli`)."""
