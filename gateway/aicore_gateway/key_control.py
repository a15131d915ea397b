"""Who may talk to the gateway right now: the allow-list in memory, shared with the ZAP
handler, and what a kick or a reload of the keys folder does to live connections.

A kick takes a key off the list in memory (until the next reload or restart: revoke it
in the keys folder to make it last) and closes its connections; its client's reconnects
then fail ZAP. A reload reads the keys folder again and closes the connections of every
key no longer on it. Both run on the gateway's loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aicore_gateway.connections import Connections
from aicore_gateway.metrics import GatewayMetrics
from engine_bridge.sync.keys_folder import AllowList, load_allow_list

__all__ = ["AllowListHolder", "KeyControl", "Reloaded"]

log = logging.getLogger(__name__)


class AllowListHolder(Protocol):
    """What authenticates new connections (the ZAP handler): it reads ``allow_list``."""

    allow_list: AllowList


@dataclass(frozen=True, slots=True)
class Reloaded:
    allowed: list[str]
    """The key names allowed now."""
    closed: dict[str, int]
    """Connections closed, by the key name no longer allowed."""
    problems: list[str]
    """Files of the keys folder left out, and why."""


class KeyControl:
    """The allow-list in memory and the connections it admits."""

    def __init__(
        self,
        keys_dir: Path,
        holder: AllowListHolder,
        connections: Connections,
        metrics: GatewayMetrics,
    ) -> None:
        self._keys_dir = keys_dir
        self._holder = holder
        self._connections = connections
        self._metrics = metrics
        self._names = holder.allow_list.names
        metrics.allowed_keys.set(len(self._names))

    def allows(self, name: str) -> bool:
        """Whether ``name`` is on the list now (checked for every message: a connection
        made before a kick or a revoke is not trusted after it)."""
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names

    def _install(self, allow_list: AllowList) -> None:
        # The ZAP thread reads the holder's attribute: one reference, replaced whole.
        self._holder.allow_list = allow_list
        self._names = allow_list.names
        self._metrics.allowed_keys.set(len(self._names))

    def kick(self, name: str) -> tuple[bool, int]:
        """Take ``name`` off the list in memory and close its connections: whether it was
        on the list, and how many connections were closed."""
        was_allowed = name in self._names
        self._install(self._holder.allow_list.without(name))
        closed = self._connections.close_key(name)
        self._metrics.kicked_connections.inc(closed)
        log.warning("kicked key %r (%d connections closed)", name, closed)
        return was_allowed, closed

    def reload(self) -> Reloaded:
        """Read the keys folder again and close the connections of keys no longer on it."""
        fresh = load_allow_list(self._keys_dir)
        for problem in fresh.problems:
            log.error("keys folder: left out %s", problem)
        gone = self._names - fresh.names
        self._install(fresh)
        closed = {name: self._connections.close_key(name) for name in sorted(gone)}
        self._metrics.kicked_connections.inc(sum(closed.values()))
        log.info(
            "keys reloaded: %d allowed, %d no longer (%s)",
            len(fresh.names),
            len(gone),
            ", ".join(sorted(gone)) or "-",
        )
        return Reloaded(
            allowed=sorted(fresh.names),
            closed=closed,
            problems=[str(problem) for problem in fresh.problems],
        )
