"""One module per demo step (see :mod:`engine_bridge.tooling.demo`)."""
