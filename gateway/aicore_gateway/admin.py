"""The admin commands (``admin.stats``, ``admin.kick``, ``admin.reload_keys``): what they
do and the body of the ``admin.reply`` each answers. Only the admin key may send them
(the message handler checks; anyone else gets ``not_admin``).
"""

from __future__ import annotations

from aicore_gateway.connections import Connections
from aicore_gateway.key_control import KeyControl
from aicore_gateway.metrics import GatewayMetrics
from engine_bridge.sync.frames import Refusal

__all__ = ["ADMIN_KINDS", "Admin", "AdminError"]

ADMIN_KINDS = frozenset({"admin.stats", "admin.kick", "admin.reload_keys"})


class AdminError(Exception):
    """An admin command refused: the ``code`` and ``reason`` of its ``sync.reject``."""

    def __init__(self, code: Refusal, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class Admin:
    """Runs admin commands on the gateway's loop."""

    def __init__(self, keys: KeyControl, connections: Connections, metrics: GatewayMetrics) -> None:
        self._keys = keys
        self._connections = connections
        self._metrics = metrics

    def run(self, kind: str, body: object) -> dict[str, object]:
        """The ``admin.reply`` body of command ``kind``; :class:`AdminError` if refused."""
        if kind == "admin.stats":
            return {
                "counters": self._metrics.snapshot(),
                "connections": self._connections.keys(),
                "allowed": sorted(self._keys.names),
            }
        if kind == "admin.kick":
            key = body.get("key") if isinstance(body, dict) else None
            if not isinstance(key, str) or not key:
                raise AdminError(Refusal.MALFORMED, 'admin.kick\'s body is {"key": "<key name>"}')
            was_allowed, closed = self._keys.kick(key)
            return {"key": key, "was_allowed": was_allowed, "closed": closed}
        if kind == "admin.reload_keys":
            try:
                reloaded = self._keys.reload()
            except OSError as error:  # the folder unreadable: the list in memory stays
                raise AdminError(
                    Refusal.UNAVAILABLE, f"the keys folder cannot be read: {error}"
                ) from None
            return {
                "allowed": reloaded.allowed,
                "closed": reloaded.closed,
                "problems": reloaded.problems,
            }
        raise AdminError(Refusal.UNKNOWN_KIND, f"{kind!r} is not an admin command")
