"""The gateway's HTTP endpoints, served on a thread of their own: ``/healthz`` (the loop
runs), ``/readyz`` (the store answers now), ``/metrics`` (Prometheus' text format).

A check is a callable returning None when all is well, or the reason it is not (the
body of the 503).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer

from prometheus_client import CONTENT_TYPE_LATEST

__all__ = ["HttpEndpoints"]

log = logging.getLogger(__name__)
Check = Callable[[], str | None]
_REQUEST_TIMEOUT_S = 10.0


class HttpEndpoints:
    """An HTTP server on ``host:port`` (port 0: any free one, see :attr:`address`)."""

    def __init__(
        self,
        host: str,
        port: int,
        healthy: Check,
        ready: Check,
        metrics: Callable[[], bytes],
    ) -> None:
        class Handler(BaseHTTPRequestHandler):
            # A slow or silent client cannot hold the one serving thread for long.
            timeout = _REQUEST_TIMEOUT_S

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    self._check(healthy)
                elif path == "/readyz":
                    self._check(ready)
                elif path == "/metrics":
                    self._send(200, metrics(), CONTENT_TYPE_LATEST)
                else:
                    self._send(404, b"not found: /healthz, /readyz, /metrics\n")

            def _check(self, check: Check) -> None:
                problem = check()
                if problem is None:
                    self._send(200, b"ok\n")
                else:
                    self._send(503, problem.encode("utf-8") + b"\n")

            def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("http %s: " + format, self.address_string(), *args)

        self._server = HTTPServer((host, port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="aicore-gateway-http",
            daemon=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
