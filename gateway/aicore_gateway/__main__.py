"""``aicore-gateway``: run the gateway until SIGTERM or SIGINT (``docs/sync.md``,
"The gateway"). Once listening it prints one JSON line on stdout with the endpoints it
bound (``{"event": "listening", "bind": ..., "http": ...}``: port 0 or ``*`` picks a
free one). SIGHUP reads the keys folder again. Exit status: 0 after a clean stop, 1 when
it could not start (the reason is logged), 2 for a bad command line.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import zmq
from prometheus_client import disable_created_metrics

from aicore_gateway.config import parse_config
from aicore_gateway.server import GatewayServer
from aicore_gateway.stores import open_store
from aicore_gateway.stores.base import StoreUnavailableError
from engine_bridge.sync.keys_folder import KeyFolderError

log = logging.getLogger("aicore_gateway")


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_config(argv)
    # The *_created samples of every counter double /metrics for nothing Prometheus needs.
    disable_created_metrics()
    logging.basicConfig(
        level=config.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        store = open_store(config.store)
    except (ValueError, StoreUnavailableError) as error:
        log.error("cannot open the store %s: %s", config.store, error)
        return 1
    try:
        server = GatewayServer(config, store)
    except (KeyFolderError, OSError) as error:
        log.error("cannot start: %s", error)
        store.close()
        return 1

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping after the messages in hand", signal.Signals(signum).name)
        server.request_stop()

    def reload(_signum: int, _frame: FrameType | None) -> None:
        server.request_reload()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    try:
        server.start()
    except (zmq.ZMQError, OSError) as error:
        log.error("cannot start: %s", error)
        store.close()
        return 1
    print(server.announcement(), flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
